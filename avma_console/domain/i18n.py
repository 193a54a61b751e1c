"""Translatable text outside Qt: a marker lupdate sees, and the translate callable services take.

The domain and the services cannot import Qt, yet their sentences (state descriptions, finding templates,
report titles) must reach German operators. They mark each text with `tr_noop(context, text)` — which returns
the text unchanged and which `scripts/translations.py` tells pyside6-lupdate to read as QT_TRANSLATE_NOOP — and
the Qt layer or the command line translates it with `QCoreApplication.translate(context, text)`. Services that
write text themselves (reports) take a `Translate` callable; `no_translation` keeps the English source.
"""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str, str], str]  # (context, source text) -> the text in the reader's language


def tr_noop(context: str, text: str) -> str:
    """Marks `text` for translation in `context` (like Qt's QT_TRANSLATE_NOOP) and returns it unchanged."""
    del context
    return text


def no_translation(context: str, text: str) -> str:
    """The `Translate` of English output: every text stays its source."""
    del context
    return text
