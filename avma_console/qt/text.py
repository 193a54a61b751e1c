"""Translation helpers: each module's `_tr`, and text that comes from the domain (states, finding templates).

Finding sentences are English templates with named fields; the template is translated first and filled in
afterwards, so a German operator reads German while host-supplied values are inserted verbatim (never
re-parsed as templates, never interpreted as markup: widgets show them as plain text).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QCoreApplication

from avma_console.domain.findings import Finding


def translate(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def translator(context: str) -> Callable[[str], str]:
    """A module's `_tr`: its strings translated in `context` (one context per screen, shared by its modules)."""

    def tr(text: str) -> str:
        return QCoreApplication.translate(context, text)

    return tr


class _KeepMissing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, fields: Mapping[str, str]) -> str:
    """Fill `{name}` fields; values are inserted as they are (braces inside them are not re-read)."""
    try:
        return template.format_map(_KeepMissing(fields))
    except (ValueError, IndexError):  # a translation with a broken template: fall back to the original
        return template


def finding_message(finding: Finding) -> str:
    return fill(translate("Findings", finding.text.message), finding.fields)


def finding_remediation(finding: Finding) -> str:
    return fill(translate("Findings", finding.text.remediation), finding.fields)
