"""The translations are complete and current: every text lupdate finds has a German translation, the
committed .ts and .qm are what scripts/translations.py makes from the memory, and the memory keeps {fields}."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from defusedxml import ElementTree

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"


def test_the_committed_translations_are_current_and_complete() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "translations.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    problems = [line for line in result.stdout.splitlines() if "note:" not in line and "texts translated" not in line]
    assert result.returncode == 0, "\n".join(problems) + result.stderr
    assert "de: 0 of" not in result.stdout


def test_the_german_catalogue_has_no_unfinished_entry() -> None:
    root = ElementTree.parse(I18N / "avma_console_de.ts").getroot()
    messages = list(root.iter("message"))
    assert len(messages) > 700
    unfinished = [
        message.findtext("source")
        for message in messages
        if (translation := message.find("translation")) is not None and translation.get("type") == "unfinished"
    ]
    assert unfinished == []
    plurals = [message for message in messages if message.get("numerus") == "yes"]
    assert plurals, "the %n texts are plural entries"
    for message in plurals:
        forms = [form.text for form in message.iter("numerusform")]
        assert len(forms) == 2 and all(forms), message.findtext("source")


def test_the_check_fails_on_a_text_without_translation(tmp_path: Path) -> None:
    """The CI check cannot pass silently: a memory without one entry makes it fail and name the text."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import translations
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    memory = translations.Memory.load(I18N / "memory_de.json")
    del memory.messages["Problems only"]
    result, problems = translations.build(tmp_path, "de", memory)
    assert ("StateFilterBar", "Problems only") in result.missing
    assert problems == []


def test_report_language_follows_lang_then_the_locale_as_the_c_library_reads_it() -> None:
    from avma_console.cli import report_language

    assert report_language("en", {"LANG": "de_DE.UTF-8"}) == "en"
    assert report_language(None, {"LANG": "de_DE.UTF-8"}) == "de"
    assert report_language(None, {"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}) == "en"  # LC_ALL wins, as in libc
    assert report_language(None, {"LC_MESSAGES": "de_AT.UTF-8", "LANG": "en_US.UTF-8"}) == "de"
    assert report_language(None, {}) == "en"
