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


def _string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    for char, escape in _HTML_ESCAPES:
        if char in encoded:
            encoded = encoded.replace(char, escape)
    return encoded


def _datetime(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return '"\\/Date(' + str(int(aware.timestamp() * 1000)) + ')\\/"'


def convert_to_json(value: object, depth: int = 2) -> str:
    """Serialize like `ConvertTo-Json -Depth depth -Compress` in Windows PowerShell 5.1."""
    return _encode(value, depth, 0)


def _encode(value: object, depth: int, level: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(int(value.value)) if isinstance(value.value, int) else _string(str(value.value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return '"' + ("NaN" if math.isnan(value) else "Infinity") + '"'
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, Mapping):
        if level > depth:
            return _string(_TYPE_NAME_OF_MAPPING)
        members = ",".join(_string(str(k)) + ":" + _encode(v, depth, level + 1) for k, v in value.items())
        return "{" + members + "}"
    if isinstance(value, Sequence):
        if level > depth:
            return _string(" ".join(str(item) for item in value) if value else _TYPE_NAME_OF_ARRAY)
        # Arrays do not count as a level of their own; their elements sit at the array's level.
        return "[" + ",".join(_encode(item, depth, level) for item in value) + "]"
    return _string(str(value))
