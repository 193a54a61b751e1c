"""The GUI talks to services and domain only: no module under avma_console/qt imports the WinRM stack,
the remote layer, the lab or the store directly (import-linter checks the same contract)."""

from __future__ import annotations

import ast
from pathlib import Path

import avma_console.qt

FORBIDDEN = ("winrm", "requests", "spnego", "avma_console.remote", "avma_console.lab", "avma_console.store")


def test_qt_modules_import_no_forbidden_module() -> None:
    root = Path(avma_console.qt.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN):
                    offenders.append(f"{path.relative_to(root)}: {name}")
    assert offenders == []
