"""Loading and saving inventory files on a real file system (pytest's tmp_path)."""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from avma_console.domain.inventory import ConnectionSettings, Inventory, InventoryEntry, InventoryError
from avma_console.services import inventory_files
from avma_console.services.inventory_files import load_inventory, save_inventory

EXAMPLE = r"""
[defaults]
transport = "ntlm"
scheme = "https"
port = 5986
username = "CONTOSO\\svc-avma"
credential = "keyring"
ca_bundle = "corp-ca.pem"

[[clusters]]
name = "cl-fra-01.contoso.local"

[[hosts]]
name = "hv-ber-07.contoso.local"
scheme = "http"
port = 5985
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "corp-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    return tmp_path


def test_load_resolves_relative_paths_against_the_files_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "corp.toml").write_text(EXAMPLE, encoding="utf-8")
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working directory must not matter

    inventory = load_inventory(Path("..") / "corp.toml")

    assert inventory.source == str(Path("..") / "corp.toml")
    assert inventory.defaults.ca_bundle is not None
    assert Path(inventory.defaults.ca_bundle).is_absolute()
    assert Path(inventory.defaults.ca_bundle).resolve() == (folder / "corp-ca.pem").resolve()
    assert [e.url for e in inventory.entries] == [
        "https://cl-fra-01.contoso.local:5986/wsman",
        "http://hv-ber-07.contoso.local:5985/wsman",
    ]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="utf-8"),
        pytest.param(lambda text: text.encode("utf-8-sig"), id="utf-8-bom"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode("utf-16"), id="utf-16-powershell-out-file"),
    ],
)
def test_load_accepts_the_encodings_windows_tools_write(folder: Path, encode: Callable[[str], bytes]) -> None:
    text = EXAMPLE.replace("hv-ber-07", "hv-müller-07")
    (folder / "corp.toml").write_bytes(encode(text))
    assert load_inventory(folder / "corp.toml").hosts[0].name == "hv-müller-07.contoso.local"


@pytest.mark.parametrize(
    ("setup", "fragments"),
    [
        pytest.param(lambda p: None, ["no such file", "check the path"], id="missing"),
        pytest.param(lambda p: p.mkdir(), ["is a folder", "name the .toml file"], id="folder"),
        pytest.param(
            lambda p: p.write_bytes(b'[[hosts]]\nname = "hv-m\xfcller"\n'),
            ["not UTF-8 text", "line 2", "save the file as UTF-8"],
            id="latin-1",
        ),
        pytest.param(
            lambda p: p.write_text('[[hosts]]\nname = "a"\nscheme = "htps"\n', encoding="utf-8"),
            ["hosts[1] 'a'", 'not "htps"'],
            id="invalid-content",
        ),
        pytest.param(
            lambda p: p.write_text('[defaults]\nca_bundle = "missing-ca.pem"\n', encoding="utf-8"),
            ["[defaults]: ca_bundle file", "missing-ca.pem", "does not exist", "relative paths are read from"],
            id="missing-ca-bundle",
        ),
        pytest.param(
            lambda p: p.write_text(
                '[[hosts]]\nname = "a"\ntransport = "certificate"\ncert_pem = "c.pem"\ncert_key_pem = "k.pem"\n',
                encoding="utf-8",
            ),
            ["hosts[1] 'a': cert_pem file", "c.pem", "export the certificate and key as PEM files"],
            id="missing-client-certificate",
        ),
        pytest.param(
            lambda p: p.write_text('[defaults]\nca_bundle = "' + "x" * 4000 + '"\n', encoding="utf-8"),
            ["ca_bundle file", "does not exist"],
            id="over-long-path",
        ),
    ],
)
def test_load_failures_name_the_path_and_the_fix(
    tmp_path: Path, setup: Callable[[Path], object], fragments: list[str]
) -> None:
    path = tmp_path / "corp.toml"
    setup(path)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions as non-root")
def test_load_of_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "corp.toml"
    path.write_text("", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(InventoryError, match="permission denied; make the file readable"):
        load_inventory(path)


def test_load_refuses_a_file_far_too_large_to_be_an_inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory_files, "MAX_INVENTORY_BYTES", 100)
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * 200 + "\n", encoding="utf-8")
    with pytest.raises(InventoryError, match="larger than"):
        load_inventory(path)


def test_a_ca_bundle_folder_is_accepted(tmp_path: Path) -> None:
    # requests takes a folder of hashed CA certificates as well as a bundle file.
    (tmp_path / "cas").mkdir()
    (tmp_path / "corp.toml").write_text('[defaults]\nca_bundle = "cas"\n', encoding="utf-8")
    assert load_inventory(tmp_path / "corp.toml").defaults.ca_bundle == str(tmp_path / "cas")


def test_save_then_load_gives_the_same_inventory_and_a_portable_file(folder: Path) -> None:
    (folder / "corp.toml").write_text(EXAMPLE, encoding="utf-8")
    inventory = load_inventory(folder / "corp.toml")
    target = folder / "copy.toml"

    save_inventory(inventory, target)

    text = target.read_text(encoding="utf-8")
    assert 'ca_bundle = "corp-ca.pem"' in text  # relative again: the folder can move as a whole
    assert "Passwords never go in this file" in text
    reloaded = load_inventory(target)
    assert dataclasses.replace(reloaded, source=inventory.source) == inventory


def test_save_writes_utf8_and_non_ascii_names(tmp_path: Path) -> None:
    inventory = Inventory(
        ConnectionSettings(username="Jürgen"),
        (InventoryEntry("host", "hv-müller"), InventoryEntry("host", "ハイパーブイ01", address="10.0.0.7")),
        "x",
    )
    save_inventory(inventory, tmp_path / "i.toml")
    assert "ハイパーブイ01" in (tmp_path / "i.toml").read_bytes().decode("utf-8")
    assert load_inventory(tmp_path / "i.toml").entries == inventory.entries


def test_save_replaces_an_existing_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "corp.toml"
    path.write_text("# old\n", encoding="utf-8")
    if sys.platform != "win32":
        path.chmod(0o640)

    save_inventory(Inventory(entries=(InventoryEntry("host", "hv-01"),)), path)

    assert load_inventory(path).hosts[0].name == "hv-01"
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corp.toml"]


def test_a_crash_while_saving_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corp.toml"
    path.write_text(EXAMPLE.replace('"corp-ca.pem"', '""'), encoding="utf-8")
    before = path.read_bytes()

    def power_cut(src: object, dst: object) -> None:
        raise OSError(5, "Input/output error")

    # The rename is the commit point; failing exactly there is the worst moment for a crash.
    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(InventoryError) as info:
        save_inventory(Inventory(entries=(InventoryEntry("host", "new-host"),)), path)

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corp.toml"]  # no temporary file left behind
    message = str(info.value)
    assert message.startswith(f"{path}: cannot write the inventory (Input/output error)")
    assert "the previous file, if any, is unchanged" in message


def test_save_into_a_missing_folder_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder" / "corp.toml"
    with pytest.raises(InventoryError, match="Check that the folder exists and is writable"):
        save_inventory(Inventory(), path)
