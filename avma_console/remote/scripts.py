"""The console's PowerShell scripts and how they travel: never as text built from data.

The command line carries only the constant bootstrap (`-EncodedCommand`); the script and one base64 JSON
parameter blob follow on stdin. So no value can change the PowerShell that runs, and scripts of any
length pass cmd.exe's 8191-character limit.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from functools import cache

from avma_console.assets import read_text

POWERSHELL_ARGUMENTS = ("-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand")


@cache
def script_text(name: str) -> str:
    """The text of `resources/ps/<name>.ps1` (names are fixed identifiers, never user input)."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"invalid script name {name!r}")
    return read_text("ps", f"{name}.ps1")


def encoded_bootstrap() -> str:
    return base64.b64encode(script_text("bootstrap").encode("utf-16-le")).decode("ascii")


def encode_params(params: Mapping[str, object]) -> str:
    return base64.b64encode(json.dumps(params, ensure_ascii=True).encode("utf-8")).decode("ascii")


def stdin_payload(name: str, params: Mapping[str, object]) -> bytes:
    """Line 1: the script (base64 of UTF-8); line 2: the parameter blob. Both pure base64: no quoting at all."""
    script = base64.b64encode(script_text(name).encode("utf-8")).decode("ascii")
    return f"{script}\r\n{encode_params(params)}\r\n".encode("ascii")
