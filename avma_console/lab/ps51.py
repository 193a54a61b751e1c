"""Windows PowerShell 5.1's `ConvertTo-Json -Compress`, quirks included, so the console parses what Windows sends.

- objects deeper than -Depth become their type name ("System.Collections.Specialized.OrderedDictionary");
- DateTime becomes "\\/Date(milliseconds)\\/"; enums become integers;
- `<`, `>`, `&` and `'` are escaped as \\u003c, \\u003e, \\u0026, \\u0027 (JavaScriptSerializer does that);
- a function or pipeline that yields one element yields the element, not an array (see `unroll`).
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

_TYPE_NAME_OF_MAPPING = "System.Collections.Specialized.OrderedDictionary"
_TYPE_NAME_OF_ARRAY = "System.Object[]"


def unroll(items: Sequence[object]) -> object:
    """What PowerShell's pipeline makes of a function's array output: nothing, the element, or the array."""
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return list(items)


# json.dumps already escapes quotes, backslashes and control characters as JavaScriptSerializer does
# (\b \f \n \r \t, others as \u00XX); only the HTML-sensitive characters need adding.
_HTML_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"))


def _html_escaped(encoded: str) -> str:
    # Only strings can contain these characters in JSON text, so escaping the whole document is exact.
    for char, escape in _HTML_ESCAPES:
        if char in encoded:
            encoded = encoded.replace(char, escape)
    return encoded


_DATE_MARK = re.compile(r'"/Date\((-?\d+)\)/"')


def convert_to_json(value: object, depth: int = 2) -> str:
    """Serialize like `ConvertTo-Json -Depth depth -Compress` in Windows PowerShell 5.1."""
    text = json.dumps(_plain(value, depth, 0), ensure_ascii=False, separators=(",", ":"))
    # json.dumps writes "/" unescaped; 5.1 writes DateTime as "\/Date(ms)\/" (the same string once decoded).
    return _DATE_MARK.sub(r'"\\/Date(\1)\\/"', _html_escaped(text))


def _plain(value: object, depth: int, level: int) -> object:
    """The value as plain JSON types, with 5.1's conversions and its depth cut-off applied."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, enum.Enum):
        return int(value.value) if isinstance(value.value, int) else str(value.value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "NaN" if math.isnan(value) else "Infinity"
        return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return f"/Date({int(aware.timestamp() * 1000)})/"
    if isinstance(value, Mapping):
        if level > depth:
            return _TYPE_NAME_OF_MAPPING
        return {str(key): _plain(item, depth, level + 1) for key, item in value.items()}
    if isinstance(value, Sequence):
        if level > depth:
            return " ".join(str(item) for item in value) if value else _TYPE_NAME_OF_ARRAY
        # Arrays do not count as a level of their own; their elements sit at the array's level.
        return [_plain(item, depth, level) for item in value]
    return str(value)
