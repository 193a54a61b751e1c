"""Files shipped with the console (PowerShell scripts, demo fleet, icons), wherever it is installed.

A wheel carries `resources/` as `avma_console/resources`; a source checkout (editable install, tests)
has it beside the package.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def resource_root() -> Traversable:
    packaged = resources.files("avma_console") / "resources"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "the console's resources folder is missing; reinstall avma-console (pip install --force-reinstall avma-console)"
    )


def resource(*parts: str) -> Traversable:
    node = resource_root()
    for part in parts:
        node = node / part
    return node


def read_text(*parts: str) -> str:
    return resource(*parts).read_text(encoding="utf-8")
