"""Keeps the console's translations current: pyside6-lupdate, the translation memory, pyside6-lrelease.

    python scripts/translations.py            # update resources/i18n/*.ts and *.qm, list what is still missing
    python scripts/translations.py --check    # change nothing; exit 1 if a .ts/.qm is stale or a text untranslated
    python scripts/translations.py --stub     # also add every missing text to the memory with "" (fill them in)

Sources of truth, one per language: `resources/i18n/memory_<lang>.json`, the reviewed translations keyed by the
English source text (`messages`), with `contexts` only where one English text needs two translations, and plural
texts (`%n`) as a list of the language's forms. The `.ts` files are generated from it (never edited by hand) and
the `.qm` files are compiled from those and committed, so `pip install` needs no Qt tools and a test proves them
current (tests/test_translations.py).

What lupdate reads: `self.tr("...")`, `QCoreApplication.translate("Context", "...")`, `translate("Context",
"...")` (the callable the services take) and the markers `tr_noop`/`_noop`/`noop` (QT_TRANSLATE_NOOP), also
`tr_text("Context", "...{field}...", field=...)` (a marked template with its fields, domain/i18n.py; lupdate
reads no call with keywords, so this script hands those to it, as it does the following). It cannot
see calls of a module's one-line wrapper (`def _tr(text): return QCoreApplication.translate("Timeline", text)`),
so this script finds those calls in the syntax tree and hands them to lupdate as QT_TRANSLATE_NOOP lines.
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import string
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET  # builds the .ts; parsing goes through defusedxml
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import defusedxml.ElementTree

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "avma_console"
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("de", "en")  # en: only the plural forms of the English source texts (1 host, 2 hosts)
CATALOGUE = "avma_console"
NOOP_ALIASES = ("tr_noop", "_noop", "noop")
TOOLS_HINT = "PySide6 ships pyside6-lupdate and pyside6-lrelease; install PySide6-Essentials into this Python"


def tool(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"translations: {name} not found next to {sys.executable} nor on PATH. {TOOLS_HINT}")
    return found


# ---------------------------------------------------------------------------------------------------------
# What lupdate cannot see: calls of one-line translate wrappers


def _wrapper_context(function: ast.FunctionDef) -> str | None:
    """ "Timeline" for `def _tr(text): return QCoreApplication.translate("Timeline", text)`, else None."""
    if len(function.args.args) != 1 or not function.body:
        return None
    body = [node for node in function.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or not isinstance(body[0].value, ast.Call):
        return None
    call = body[0].value
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name != "translate" or len(call.args) != 2:
        return None
    context, text = call.args
    if isinstance(context, ast.Constant) and isinstance(context.value, str) and isinstance(text, ast.Name):
        return context.value if text.id == function.args.args[0].arg else None
    return None


@dataclass
class WrapperCalls:
    messages: list[tuple[str, str]] = field(default_factory=list)  # (context, source)
    problems: list[str] = field(default_factory=list)  # calls whose text is built at run time (f-strings)
    # Direct calls (self.tr, translate) with literal text, with where they are: lupdate must have seen each.
    direct: dict[tuple[str, str], str] = field(default_factory=dict)


def _direct_calls(tree: ast.Module, path: Path, found: WrapperCalls) -> None:
    def visit(node: ast.AST, class_name: str) -> None:
        for child in ast.iter_child_nodes(node):
            visit(child, child.name if isinstance(child, ast.ClassDef) else class_name)
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute | ast.Name):
            return
        name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
        texts = [
            arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None for arg in node.args
        ]
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        text_position = 0 if name == "tr" else 1
        arguments = node.args
        if (
            name in ("tr", "translate")
            and len(arguments) > text_position
            and isinstance(arguments[text_position], ast.JoinedStr)
        ):
            found.problems.append(f"{where}: an f-string cannot be translated; use a {{name}} template and .format")
        if name == "tr" and isinstance(node.func, ast.Attribute) and texts and texts[0] is not None and class_name:
            found.direct[(class_name, texts[0])] = where
        elif name in ("translate", *NOOP_ALIASES) and len(texts) >= 2 and None not in texts[:2]:
            found.direct[(str(texts[0]), str(texts[1]))] = where
        if name == "tr_text" and len(texts) >= 2 and None not in texts[:2]:
            found.messages.append((str(texts[0]), str(texts[1])))
        elif name == "tr_text" and len(arguments) >= 2 and isinstance(arguments[1], ast.JoinedStr):
            found.problems.append(f"{where}: an f-string cannot be translated; use a {{name}} template and fields")

    visit(tree, "")


def wrapper_calls(package: Path) -> WrapperCalls:
    found = WrapperCalls()
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        _direct_calls(tree, path, found)
        wrappers = {
            node.name: context
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and (context := _wrapper_context(node)) is not None
        }
        # `_tr = translator("Timeline")` (qt/text.py): the same wrapper, made by a factory.
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", "") == "translator"
                and node.value.args
                and isinstance(node.value.args[0], ast.Constant)
                and isinstance(node.value.args[0].value, str)
            ):
                wrappers[node.targets[0].id] = node.value.args[0].value
        # Wrappers imported from another module under the same convention keep their context there.
        if not wrappers:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in wrappers):
                continue
            if not node.args:
                continue
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.messages.append((wrappers[node.func.id], argument.value))
            elif isinstance(argument, ast.JoinedStr):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.problems.append(f"{where}: an f-string cannot be translated; use a {{name}} template and .format")
    return found


def report_column_headers(package: Path) -> list[tuple[str, str]]:
    """Report column keys become printed headers through translate("ReportColumns", key in words)
    (report_documents.column_header): the keys are in `*_COLUMNS` tuples and ReportTable(title, (columns...))."""
    headers: list[tuple[str, str]] = []
    for path in sorted((package / "services" / "reports").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            tuples: list[ast.AST] = []
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id.endswith("_COLUMNS") for target in node.targets
            ):
                tuples.append(node.value)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ReportTable" and len(node.args) > 1:
                tuples.append(node.args[1])
            for value in tuples:
                if isinstance(value, ast.Tuple):
                    headers += [
                        ("ReportColumns", item.value.replace("_", " "))
                        for item in value.elts
                        if isinstance(item, ast.Constant) and isinstance(item.value, str)
                    ]
    return headers


def _python_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def write_supplement(folder: Path, messages: list[tuple[str, str]]) -> None:
    lines = [f"QT_TRANSLATE_NOOP({_python_string(context)}, {_python_string(text)})" for context, text in messages]
    (folder / "wrapper_calls.py").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------
# The memory and the .ts file


@dataclass(frozen=True)
class Memory:
    messages: dict[str, str | list[str]]
    contexts: dict[str, dict[str, str | list[str]]]

    @classmethod
    def load(cls, path: Path) -> Memory:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls(dict(data.get("messages", {})), {k: dict(v) for k, v in data.get("contexts", {}).items()})

    def save(self, path: Path) -> None:
        data = {
            "messages": dict(sorted(self.messages.items(), key=lambda item: item[0].casefold())),
            "contexts": {
                context: dict(sorted(entries.items(), key=lambda item: item[0].casefold()))
                for context, entries in sorted(self.contexts.items())
            },
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    def lookup(self, context: str, source: str) -> str | list[str] | None:
        value = self.contexts.get(context, {}).get(source)
        if value is None:
            value = self.messages.get(source)
        return value or None


@dataclass
class FillResult:
    missing: list[tuple[str, str]] = field(default_factory=list)
    used: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


SOURCE_LANGUAGE = "en"
PLURAL_FORMS = {"de": 2, "en": 2}


def fill(ts_path: Path, memory: Memory, language: str) -> FillResult:
    """Every message of the .ts gets its translation from the memory; a message without one stays unfinished."""
    result = FillResult()
    tree = defusedxml.ElementTree.parse(ts_path)
    for context in list(tree.getroot().iter("context")):
        context_name = context.findtext("name") or ""
        for message in list(context.iter("message")):
            if language == SOURCE_LANGUAGE and "%n" not in (message.findtext("source") or ""):
                context.remove(message)  # the source text is the English text; only plurals need forms
                continue
            source = message.findtext("source") or ""
            translation = message.find("translation")
            assert translation is not None
            for child in list(translation):
                translation.remove(child)
            translation.text = None
            value = memory.lookup(context_name, source)
            # lupdate's Python parser marks only self.tr(text, "", n) as a plural; translate(ctx, text, "", n) is too.
            numerus = message.get("numerus") == "yes" or "%n" in source
            if numerus:
                message.set("numerus", "yes")
            if value is None:
                translation.set("type", "unfinished")
                result.missing.append((context_name, source))
                continue
            result.used.add((context_name, source))
            if numerus:
                forms = value if isinstance(value, list) else [value] * PLURAL_FORMS[language]
                if len(forms) != PLURAL_FORMS[language]:
                    result.problems.append(f"{source!r}: {language} needs {PLURAL_FORMS[language]} plural forms")
                for form in forms:
                    ET.SubElement(translation, "numerusform").text = form
            else:
                if isinstance(value, list):
                    result.problems.append(f"{source!r} ({context_name}) is not a %n text; give one translation")
                    value = value[-1]
                translation.text = value
                _check_fields(source, value, result)
            translation.attrib.pop("type", None)
    for context in list(tree.getroot().iter("context")):
        if context.find("message") is None:
            tree.getroot().remove(context)
    _write_ts(tree.getroot(), ts_path)
    return result


def _fields(text: str) -> set[str]:
    try:
        return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<broken template>"}


def _check_fields(source: str, translation: str, result: FillResult) -> None:
    if _fields(source) != _fields(translation):
        result.problems.append(f"{source!r}: the translation's {{fields}} differ: {sorted(_fields(translation))}")
    for marker in ("%n", "%v", "%m", "%1", "%2"):
        if (marker in source) != (marker in translation):
            result.problems.append(f"{source!r}: the translation must keep {marker}")


def _write_ts(root: ET.Element, path: Path) -> None:
    """lupdate's own layout, so a later lupdate run changes nothing but what really changed."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>"]
    attributes = " ".join(f'{key}="{escape(value)}"' for key, value in root.attrib.items())
    lines.append(f"<TS {attributes}>")
    for context in root.iter("context"):
        lines.append("<context>")
        lines.append(f"    <name>{_text(context.findtext('name') or '')}</name>")
        for message in context.iter("message"):
            numerus = ' numerus="yes"' if message.get("numerus") == "yes" else ""
            lines.append(f"    <message{numerus}>")
            lines.append(f"        <source>{_text(message.findtext('source') or '')}</source>")
            comment = message.findtext("comment")
            if comment:
                lines.append(f"        <comment>{_text(comment)}</comment>")
            translation = message.find("translation")
            assert translation is not None
            kind = f' type="{translation.get("type")}"' if translation.get("type") else ""
            forms = translation.findall("numerusform")
            if forms:
                lines.append(f"        <translation{kind}>")
                lines.extend(f"            <numerusform>{_text(form.text or '')}</numerusform>" for form in forms)
                lines.append("        </translation>")
            else:
                lines.append(f"        <translation{kind}>{_text(translation.text or '')}</translation>")
            lines.append("    </message>")
        lines.append("</context>")
    lines.append("</TS>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _text(value: str) -> str:
    return escape(value, {'"': "&quot;", "'": "&apos;"})


# ---------------------------------------------------------------------------------------------------------
# The run


def _messages(ts_path: Path) -> set[tuple[str, str]]:
    root = defusedxml.ElementTree.parse(ts_path).getroot()
    return {
        (context.findtext("name") or "", message.findtext("source") or "")
        for context in root.iter("context")
        for message in context.iter("message")
    }


def build(folder: Path, language: str, memory: Memory) -> tuple[FillResult, list[str]]:
    """lupdate + fill + lrelease into `folder` (fresh .ts each time: the memory is the only source)."""
    calls = wrapper_calls(PACKAGE)
    supplement = folder / "supplement"
    supplement.mkdir()
    write_supplement(supplement, [*calls.messages, *report_column_headers(PACKAGE)])
    ts_path = folder / f"{CATALOGUE}_{language}.ts"
    aliases = ",".join(f"QT_TRANSLATE_NOOP+={alias}" for alias in NOOP_ALIASES)
    command = [tool("pyside6-lupdate"), "-silent", "-extensions", "py", "-locations", "none", "-no-obsolete"]
    command += ["-tr-function-alias", aliases, "-target-language", language, "-source-language", "en"]
    command += [str(PACKAGE), str(supplement), "-ts", str(ts_path)]
    subprocess.run(command, check=True, cwd=ROOT)
    seen = _messages(ts_path)
    problems = list(calls.problems)
    problems += [
        f"{where}: lupdate did not see [{context}] {source!r} (give n as a plain name, the text as one literal)"
        for (context, source), where in sorted(calls.direct.items())
        if (context, source) not in seen and (language != SOURCE_LANGUAGE or "%n" in source)
    ]
    result = fill(ts_path, memory, language)
    qm_path = folder / f"{CATALOGUE}_{language}.qm"
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts_path), "-qm", str(qm_path)], check=True)
    return result, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; fail on stale files or missing texts")
    parser.add_argument("--stub", action="store_true", help='add missing texts to the memory as "" to fill in')
    args = parser.parse_args(argv)
    failed = False
    for language in LANGUAGES:
        memory_path = I18N / f"memory_{language}.json"
        memory = Memory.load(memory_path)
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            result, problems = build(folder, language, memory)
            for name in (f"{CATALOGUE}_{language}.ts", f"{CATALOGUE}_{language}.qm"):
                fresh, committed = folder / name, I18N / name
                if args.check:
                    if not committed.exists() or committed.read_bytes() != fresh.read_bytes():
                        print(f"{committed.relative_to(ROOT)} is stale: run python scripts/translations.py")
                        failed = True
                else:
                    I18N.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(fresh, committed)
        for problem in [*problems, *result.problems]:
            print(f"{language}: {problem}")
            failed = True
        for context, source in result.missing:
            print(f"{language}: untranslated [{context}] {source!r}")
        if result.missing:
            failed = True
            print(f"{language}: {len(result.missing)} text(s) without a translation in {memory_path.relative_to(ROOT)}")
        if args.stub and result.missing and not args.check:
            for _context, source in result.missing:
                memory.messages.setdefault(source, "")
            memory.save(memory_path)
        unused = sorted(source for source in memory.messages if not any(source == used for _c, used in result.used))
        for source in unused:
            print(f"{language}: note: the memory's {source!r} is no longer used (remove it when no branch needs it)")
        total = len(result.used) + len(result.missing)
        print(f"{language}: {len(result.used)} of {total} texts translated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
