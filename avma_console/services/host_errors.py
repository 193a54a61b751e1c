"""What the GUI needs to show a host's error in the reader's language: the remote layer's message templates
(remote/errors.py Messages), which the GUI matches a message back to (qt/text.py remote_error)."""

from __future__ import annotations

from avma_console.remote.errors import MESSAGE_TEMPLATES

__all__ = ["MESSAGE_TEMPLATES"]
