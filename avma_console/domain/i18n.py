"""Translatable text outside Qt: a marker lupdate sees, and the translate callable services take.

The domain and the services cannot import Qt, yet their sentences (state descriptions, finding templates,
report titles) must reach German operators. They mark each text with `tr_noop(context, text)` — which returns
the text unchanged and which `scripts/translations.py` tells pyside6-lupdate to read as QT_TRANSLATE_NOOP — and
the Qt layer or the command line translates it with `QCoreApplication.translate(context, text)`. Services that
write text themselves (reports) take a `Translate` callable; `no_translation` keeps the English source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

Translate = Callable[[str, str], str]  # (context, source text) -> the text in the reader's language


def tr_noop(context: str, text: str) -> str:
    """Marks `text` for translation in `context` (like Qt's QT_TRANSLATE_NOOP) and returns it unchanged."""
    del context
    return text


def no_translation(context: str, text: str) -> str:
    """The `Translate` of English output: every text stays its source."""
    del context
    return text


class _KeepMissing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_template(template: str, fields: Mapping[str, str]) -> str:
    """Fill `{name}` fields; values go in as they are (braces inside them are not re-read), unknown names stay."""
    try:
        return template.format_map(_KeepMissing(fields))
    except (ValueError, IndexError):  # a translation with a broken template: fall back to the original
        return template


class Text(str):
    """A sentence that is its English self (what the command line prints and the audit log keeps, byte for byte)
    and remembers how it was made: a template marked with `tr_noop(context, ...)` and its named fields, which
    may be Texts themselves. `render(translate)` says it in the reader's language; host-supplied field values
    are inserted verbatim. An empty context marks a frame that is not translated (`join_texts`)."""

    context: str
    template: str
    fields: Mapping[str, str]

    def __new__(cls, context: str, template: str, **fields: str) -> Text:
        made = super().__new__(cls, fill_template(template, fields))
        made.context, made.template, made.fields = context, template, fields
        return made

    def render(self, translate: Translate) -> str:
        fields = {name: render_text(value, translate) for name, value in self.fields.items()}
        return fill_template(translate(self.context, self.template) if self.context else self.template, fields)


def join_texts(separator: str, parts: Sequence[str]) -> Text:
    """`separator.join(parts)` whose parts keep their translations."""
    template = separator.replace("{", "{{").replace("}", "}}").join(f"{{p{i}}}" for i in range(len(parts)))
    return Text("", template, **{f"p{i}": part for i, part in enumerate(parts)})


def render_text(text: str, translate: Translate) -> str:
    """A Text in the language of `translate`; any other string (host-supplied, already final) as it is."""
    return text.render(translate) if isinstance(text, Text) else text


def tr_text(context: str, template: str, **fields: str) -> Text:
    """`tr_noop` that keeps its fields: the Text of `template` (a literal lupdate reads) filled with `fields`."""
    return Text(context, template, **fields)
