"""Plain-text tables for the terminal: aligned columns, wide characters counted as two cells."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    """Terminal cells a string occupies (East Asian wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def safe_cell(value: object) -> str:
    """One printable line: control characters (newlines, escapes) from hosts never reach the terminal raw."""
    text = "" if value is None else str(value)
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, indent: str = "") -> str:
    cells = [[safe_cell(value) for value in row] for row in rows]
    widths = [display_width(header) for header in headers]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], display_width(cell))

    def line(values: Sequence[str]) -> str:
        padded = [value + " " * (widths[i] - display_width(value)) for i, value in enumerate(values)]
        return (indent + "  ".join(padded)).rstrip()

    rule = indent + "  ".join("-" * width for width in widths)
    return "\n".join([line(list(headers)), rule, *(line(row) for row in cells)])
