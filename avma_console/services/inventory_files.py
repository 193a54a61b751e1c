"""Reading and writing inventory files; the parsing and every rule live in `avma_console.domain.inventory`."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from avma_console.domain.inventory import (
    ConnectionSettings,
    Inventory,
    InventoryError,
    inventory_to_data,
    inventory_toml,
    parse_inventory,
)

# An inventory of 10,000 hosts is well under a megabyte; anything this large is the wrong file.
MAX_INVENTORY_BYTES = 16 * 1024 * 1024

_HEADER = (
    "# AVMA Console inventory (https://toml.io). Passwords never go in this file: use\n"
    '# credential = "keyring" (default), "env:VAR" or "prompt".\n\n'
)


def load_inventory(path: Path) -> Inventory:
    """Read and validate an inventory file; every failure is an InventoryError naming `path` and the fix."""
    text = _read_text(path)
    folder = path.absolute().parent
    inventory = parse_inventory(text, source=str(path), base_dir=folder)
    _check_files_exist(inventory, path, folder)
    return inventory


def save_inventory(inv: Inventory, path: Path) -> None:
    """Write `inv` to `path` atomically: readers see the old file or the new one, never half of either.

    Comments of a hand-written file are not preserved (TOML writers cannot carry them).
    """
    folder = path.absolute().parent
    payload = (_HEADER + inventory_toml(inventory_to_data(inv, base_dir=folder))).encode("utf-8")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = None  # a new file keeps the private 0600 that mkstemp gives it
    tmp_name: str | None = None
    try:
        # Same folder, so os.replace is a rename within one file system and therefore atomic.
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(payload)
            tmp.flush()
            os.fsync(tmp.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise InventoryError(
            f"{path}: cannot write the inventory ({exc.strerror or exc}); the previous file, if any, is unchanged. "
            "Check that the folder exists and is writable, or save to another path"
        ) from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    # The rename is only durable once the directory entry is on disk; Windows has no directory fsync.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_INVENTORY_BYTES + 1)
    except FileNotFoundError:
        raise InventoryError(
            f"{path}: no such file; check the path, or create one (avma-console lab --write-inventory PATH "
            "writes an example)"
        ) from None
    except IsADirectoryError:
        raise InventoryError(f"{path}: is a folder, not an inventory file; name the .toml file inside it") from None
    except PermissionError:
        raise InventoryError(f"{path}: permission denied; make the file readable for this user") from None
    except OSError as exc:
        raise InventoryError(f"{path}: cannot be read ({exc.strerror or exc}); check the path and the disk") from None
    if len(data) > MAX_INVENTORY_BYTES:
        raise InventoryError(
            f"{path}: larger than {MAX_INVENTORY_BYTES // (1024 * 1024)} MiB, which no inventory is; "
            "check that this is the right file"
        )
    # Windows PowerShell 5.1's Out-File writes UTF-16 with a BOM; the BOM makes that unambiguous, so accept it.
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InventoryError(
            f"{path}: not UTF-8 text (undecodable byte at line {line}); save the file as UTF-8 "
            "(Notepad: Save As > Encoding UTF-8; PowerShell: Set-Content -Encoding UTF8)"
        ) from None


def _check_files_exist(inventory: Inventory, path: Path, folder: Path) -> None:
    """A missing CA bundle or client certificate would otherwise surface only as a TLS error at connect time."""
    places: list[tuple[str, ConnectionSettings]] = [("[defaults]", inventory.defaults)]
    places += [(where, entry.settings) for where, entry in inventory.located_entries()]
    checked: set[str] = set()
    for where, settings in places:
        for key in ("ca_bundle", "cert_pem", "cert_key_pem"):
            value: str | None = getattr(settings, key)
            if value is None or value in checked:
                continue
            # requests accepts a folder of hashed CA certificates as well as a bundle file.
            # os.path rather than Path: it answers False instead of raising for over-long names.
            exists = os.path.exists(value) if key == "ca_bundle" else os.path.isfile(value)
            if not exists:
                fix = (
                    "remove ca_bundle to trust the system's certificate authorities"
                    if key == "ca_bundle"
                    else "export the certificate and key as PEM files"
                )
                raise InventoryError(
                    f'{path}: {where}: {key} file "{value}" does not exist (relative paths are read from '
                    f"{folder}); fix the path or {fix}"
                )
            checked.add(value)
