"""Translation helpers: each module's `_tr`, and text that comes from the domain (states, finding templates).

Finding sentences are English templates with named fields; the template is translated first and filled in
afterwards, so a German operator reads German while host-supplied values are inserted verbatim (never
re-parsed as templates, never interpreted as markup: widgets show them as plain text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import cache

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTime

from avma_console.domain.findings import Finding, FindingCode, expand_fields
from avma_console.domain.i18n import Text, fill_template, tr_noop
from avma_console.services.host_errors import MESSAGE_TEMPLATES


def translate(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def translator(context: str) -> Callable[[str], str]:
    """A module's `_tr`: its strings translated in `context` (one context per screen, shared by its modules)."""

    def tr(text: str) -> str:
        return QCoreApplication.translate(context, text)

    return tr


fill = fill_template  # `{name}` fields filled; values go in as they are (domain/i18n.py)


def _phrase(text: str) -> str:
    return QCoreApplication.translate("FindingFields", text)


# The remote layer's error kinds (remote/errors.py ErrorKind values), in words.
ERROR_KINDS = {
    "dns": tr_noop("ErrorKind", "name not found"),
    "refused": tr_noop("ErrorKind", "refused"),
    "timeout": tr_noop("ErrorKind", "timeout"),
    "auth": tr_noop("ErrorKind", "sign-in failed"),
    "tls": tr_noop("ErrorKind", "certificate problem"),
    "insecure": tr_noop("ErrorKind", "insecure"),
    "http": tr_noop("ErrorKind", "HTTP error"),
    "wsman_fault": tr_noop("ErrorKind", "WinRM fault"),
    "protocol": tr_noop("ErrorKind", "protocol"),
    "script": tr_noop("ErrorKind", "script failed"),
    "bad_output": tr_noop("ErrorKind", "unreadable answer"),
    "quota": tr_noop("ErrorKind", "WinRM limit"),
    "credential": tr_noop("ErrorKind", "no password"),
    "cancelled": tr_noop("ErrorKind", "cancelled"),
    "internal": tr_noop("ErrorKind", "internal error"),
}


def error_kind_text(kind: str | None) -> str:
    """An error kind in the reader's words (a kind this build does not know is shown as it is)."""
    if not kind:
        return ""
    return QCoreApplication.translate("ErrorKind", ERROR_KINDS[kind]) if kind in ERROR_KINDS else kind


@cache
def _message_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each remote message template with a pattern that matches its filled-in messages ({url} -> any text)."""
    patterns = []
    for template in MESSAGE_TEMPLATES:
        parts = re.split(r"\{(\w+)\}", template)
        regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
        patterns.append((template, re.compile(regex, re.DOTALL)))
    return tuple(patterns)


def remote_error(text: str | None) -> str:
    """A host's error in the reader's language when it is one of the remote layer's messages; the values in it
    (URLs, user names, script output) stay as they are. Any other text is shown unchanged."""
    if not text:
        return ""
    for template, pattern in _message_patterns():
        match = pattern.fullmatch(text)
        if match:
            return fill(QCoreApplication.translate("RemoteErrors", template), match.groupdict())
    return text


def operation_text(text: str | None) -> str:
    """A plan's or a result's text (services/operations) in the reader's language: a Text by its template, its
    `error` fields and any plain text as the remote layer's messages (remote_error); other values as they are."""
    if not isinstance(text, Text):
        return remote_error(text)
    fields = {
        name: operation_text(value) if isinstance(value, Text) or name == "error" else value
        for name, value in text.fields.items()
    }
    return fill(translate(text.context, text.template) if text.context else text.template, fields)


def remote_fix(text: str | None) -> str:
    """What to do about a host that could not be queried (the remote layer's advice), in the reader's language."""
    return QCoreApplication.translate("RemoteErrors", text) if text else ""


def _fields(finding: Finding) -> dict[str, str]:
    fields = expand_fields(finding.fields, _phrase)
    if finding.code is FindingCode.HOST_UNREACHABLE:
        fields["fix"] = remote_fix(fields.get("fix"))
        fields["reason"] = remote_error(fields.get("reason"))
    return fields


def finding_message(finding: Finding) -> str:
    return fill(translate("Findings", finding.text.message), _fields(finding))


def finding_remediation(finding: Finding) -> str:
    return fill(translate("Findings", finding.text.remediation), _fields(finding))


def local_time(value: datetime, with_seconds: bool = True) -> str:
    """A moment in the local zone, the date as the language writes it (03.12.2026, 12/3/2026) with a four-digit
    year, the time on the 24-hour clock (operators compare it with event logs and UTC reports)."""
    local = value.astimezone()
    locale = QLocale()
    date_format = locale.dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in date_format:
        date_format = date_format.replace("yy", "yyyy")
    date = locale.toString(QDate(local.year, local.month, local.day), date_format)
    time = locale.toString(QTime(local.hour, local.minute, local.second), "HH:mm:ss" if with_seconds else "HH:mm")
    return f"{date} {time}"
