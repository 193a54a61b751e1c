"""What the subcommands share: value types for their options (argparse `type=`) and where results go.

Cheap to import on purpose: `avma-console keys` builds the whole parser and must not load more than argparse.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Output:
    """Where a headless command's result goes: its --format, its --output file (None: the terminal), and the
    writer that puts text there (the command line's, which says where it wrote)."""

    format: str
    path: Path | None
    emit: Callable[[str, Path | None], None]

    def write(self, text: str) -> None:
        self.emit(text, self.path)


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least {minimum}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A count that must be at least 1 (--concurrency, --hosts)."""
    return _whole_number(text, 1)


def non_negative_int(text: str) -> int:
    """A count that may be 0 (--vms-per-host, --lock-wait)."""
    return _whole_number(text, 0)
