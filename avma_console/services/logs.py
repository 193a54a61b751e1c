"""Log records that cannot forge log lines: control characters from hosts are escaped.

VM names, error texts and messages come from hosts and tenants. Written raw, a CR/LF in a VM name would
start a fake log line and an ESC sequence would rewrite the operator's terminal. `service_logger` returns
a logger whose records have the formatted message escaped before any handler sees them;
`EscapingFormatter` does the same for whole handlers (the GUI installs it on its log handler).
"""

from __future__ import annotations

import logging
import re

# C0 controls (CR, LF, ESC, NUL, ...), DEL, C1 controls, and Unicode's line/paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def escape_control(text: str) -> str:
    """`text` on one line, with every control character visible as an escape (\\n, \\r, \\x1b, \\u2028)."""

    def visible(match: re.Match[str]) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(visible, text)


class ControlCharacterFilter(logging.Filter):
    """Formats the record's message once and escapes it (the arguments are the untrusted part)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = escape_control(message)
        if escaped != message or record.args:
            record.msg = escaped
            record.args = None
        return True


class EscapingFormatter(logging.Formatter):
    """A Formatter whose message part is escaped; tracebacks keep their own lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's own name
        original = record.message
        record.message = escape_control(original)
        try:
            return super().formatMessage(record)
        finally:
            record.message = original


_FILTER = ControlCharacterFilter()


def service_logger(name: str) -> logging.Logger:
    """`logging.getLogger(name)` with control characters escaped in every record logged through it."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
