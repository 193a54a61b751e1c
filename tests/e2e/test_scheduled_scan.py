"""`scan --record` as a scheduler runs it: exit codes it can act on, an empty inventory refused, one recorded
scan at a time per history."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import tomli_w
from fleet_support import LabStarter, fleet_of
from test_history import small_fleet

from avma_console.cli import main
from avma_console.lab.runner import inventory_data
from avma_console.store import HistoryStore


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unreachable_inventory(path: Path) -> Path:
    hosts = [{"name": f"127.0.0.{n}", "scheme": "http", "port": _closed_port()} for n in (1, 2)]
    path.write_text(
        tomli_w.dumps(
            {
                "defaults": {"transport": "ntlm", "username": "LAB\\operator", "credential": "env:AVMA_LAB_PASSWORD"},
                "hosts": hosts,
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "text",
    ["", '[defaults]\ntransport = "ntlm"\n', "# truncated by a failed copy\n"],
    ids=["empty", "defaults-only", "comment-only"],
)
def test_an_inventory_without_hosts_is_bad_input_and_records_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    inventory = tmp_path / "fleet.toml"
    inventory.write_text(text, encoding="utf-8")
    history = tmp_path / "history.sqlite3"
    assert main(["scan", "--inventory", str(inventory), "--record", "--history", str(history)]) == 2
    err = capsys.readouterr().err
    assert str(inventory) in err and "lists no hosts and no clusters" in err and "[[hosts]]" in err
    with HistoryStore.open(history) as store:
        assert store.snapshots() == []


def test_no_host_answering_is_its_own_exit_code_and_still_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = _unreachable_inventory(tmp_path / "down.toml")
    history = tmp_path / "history.sqlite3"
    arguments = ["scan", "--inventory", str(inventory), "--format", "json", "--record", "--history", str(history)]
    assert main(arguments) == 3
    printed = json.loads(capsys.readouterr().out)
    assert [host["error"] is not None for host in printed["hosts"]] == [True, True]
    with HistoryStore.open(history) as store:
        (snapshot,) = store.snapshots()
        assert (snapshot.host_count, snapshot.reachable_count) == (2, 0)


def test_some_hosts_failing_is_exit_1_and_all_answering_exit_0(
    start_lab: LabStarter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = small_fleet()
    lab = start_lab(fleet)
    data = inventory_data(lab.endpoints, fleet, lab.ca_file)
    good = tmp_path / "good.toml"
    good.write_text(tomli_w.dumps(data), encoding="utf-8")
    assert main(["scan", "--inventory", str(good)]) == 0
    hosts = data["hosts"]
    assert isinstance(hosts, list)
    data["hosts"] = [*hosts, {"name": "127.0.0.9", "scheme": "http", "port": _closed_port()}]
    mixed = tmp_path / "mixed.toml"
    mixed.write_text(tomli_w.dumps(data), encoding="utf-8")
    assert main(["scan", "--inventory", str(mixed)]) == 1
    capsys.readouterr()


def test_a_second_recorded_scan_waits_for_the_first_then_gives_up_clearly(
    start_lab: LabStarter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = fleet_of({"hosts": [{"name": "HV-L", "version": "2022", "edition": "Datacenter", "vms": []}]})
    lab = start_lab(fleet)
    inventory = tmp_path / "lab.toml"
    inventory.write_text(tomli_w.dumps(inventory_data(lab.endpoints, fleet, lab.ca_file)), encoding="utf-8")
    history = tmp_path / "history.sqlite3"
    arguments = ["scan", "--inventory", str(inventory), "--record", "--history", str(history), "--lock-wait", "1"]
    with HistoryStore.open(history) as other, other.recorded_scan_lock(0):
        assert main(arguments) == 3
        err = capsys.readouterr().err
        assert "another recorded scan of the history" in err and "--lock-wait" in err and str(history) in err
    with HistoryStore.open(history) as store:
        assert store.snapshots() == [], "the waiting scan neither scanned nor recorded"
    assert main(arguments) == 0
    assert "recorded snapshot 1" in capsys.readouterr().err
