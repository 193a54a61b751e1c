"""Texts: English as they are (what the command line and the audit log keep), translatable by their template."""

from __future__ import annotations

import json

from avma_console.domain.i18n import Text, join_texts, no_translation, render_text, tr_text


def shout(context: str, text: str) -> str:
    """A stand-in language: the template translated (its {fields} kept), marked with its context."""
    return f"[{context}] " + text.replace("is", "IST")


def test_a_text_is_its_english_sentence_everywhere_a_string_goes() -> None:
    text = tr_text("Operations", "{vm} is {state}", vm="app-{1}", state="off")
    assert text == "app-{1} is off" and isinstance(text, str)
    assert f"{text}; x" == "app-{1} is off; x"
    assert json.dumps({"error": text}) == '{"error": "app-{1} is off"}'
    assert render_text(text, no_translation) == "app-{1} is off"


def test_rendering_translates_the_template_and_nested_texts_but_never_the_values() -> None:
    state = Text("PowerStateWord", "off")
    text = tr_text("Operations", "{vm} is {state}", vm="this {vm}", state=state)
    assert text.render(shout) == "[Operations] this {vm} IST [PowerStateWord] off"
    assert render_text("host said: it is", shout) == "host said: it is", "plain text is never translated"


def test_joined_texts_keep_each_part_translatable_and_the_separator_as_it_is() -> None:
    joined = join_texts("; {x}", [tr_text("A", "one is"), "two is"])
    assert joined == "one is; {x}two is"
    assert joined.render(shout) == "[A] one IST; {x}two is"
    assert join_texts("; ", []) == ""
