"""The fault matrix (benchmarks/fault_matrix.py) as assertions: every fault contained, typed, bounded, recorded whole."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fleet_support import LAB_PASSWORD, LabStarter, fleet_of

from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.errors import ErrorKind, RemoteError
from avma_console.remote.scanner import ScanTarget, scan_host

ROOT = Path(__file__).resolve().parents[2]


def _load_matrix() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fault_matrix", ROOT / "benchmarks" / "fault_matrix.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fault_matrix"] = module
    spec.loader.exec_module(module)
    return module


fault_matrix = _load_matrix()
EXPECTED = {
    "refuse": (ErrorKind.REFUSED, 3),
    "hang": (ErrorKind.TIMEOUT, 1),
    "auth": (ErrorKind.AUTH, 1),
    "http500": (ErrorKind.WSMAN_FAULT, 3),
    "truncate": (ErrorKind.PROTOCOL, 3),
    "garble": (ErrorKind.PROTOCOL, 3),
    "bad_json": (ErrorKind.BAD_OUTPUT, 1),
    "huge_output": (ErrorKind.BAD_OUTPUT, 1),
    "receive_reset": (ErrorKind.PROTOCOL, 3),
}
# WinRM's limits: one wait, one retry, then an error naming the setting (and its fix).
QUOTA_SETTINGS = {
    "envelope_limit": "MaxEnvelopeSizekb",
    "shell_quota": "MaxShellsPerUser",
    "operation_quota": "MaxConcurrentOperationsPerUser",
    "process_quota": "MaxProcessesPerShell",
    "memory_quota": "MaxMemoryPerShellMB",
    "idle_reap": "IdleTimeout",
}


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    result = fault_matrix.run_matrix(tmp_path_factory.mktemp("fault-matrix"), password=LAB_PASSWORD)
    print("\n" + fault_matrix.format_table(result))
    return {row.fault.split(" ")[0]: row for row in result}


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_a_fault_is_contained_typed_bounded_and_recorded_whole(rows: dict[str, object], fault: str) -> None:
    row = rows[fault]
    kind, attempts = EXPECTED[fault]
    assert row.finished and row.others_ok, row  # type: ignore[attr-defined]
    assert row.kind == kind.value, row  # type: ignore[attr-defined]
    assert row.message and row.fix == RemoteError(kind, "h", "m").fix, "the fix text is the retry path shown"  # type: ignore[attr-defined]
    assert row.attempts == attempts, "retries are bounded (2) and only for errors a retry can fix"  # type: ignore[attr-defined]
    assert row.history_ok, row.detail  # type: ignore[attr-defined]
    # Backoff 0.25 s + 0.5 s between attempts; a hang costs one read timeout.
    bound = fault_matrix.READ_TIMEOUT_S + 2 if fault == "hang" else 3.0
    assert row.seconds < bound, row  # type: ignore[attr-defined]
    assert LAB_PASSWORD not in row.message + row.fix  # type: ignore[attr-defined]


def test_the_matrix_covers_every_lab_fault_and_at_least_18_kinds(rows: dict[str, object]) -> None:
    assert set(rows) == {fault.split(" ")[0] for fault in fault_matrix.FAULTS}
    assert len(rows) >= 18


@pytest.mark.parametrize("fault", sorted(QUOTA_SETTINGS))
def test_a_winrm_limit_is_waited_out_once_then_named(rows: dict[str, object], fault: str) -> None:
    row: Any = rows[fault]
    setting = QUOTA_SETTINGS[fault]
    assert row.finished and row.others_ok and row.history_ok, row
    assert row.kind == ErrorKind.QUOTA.value and row.attempts == 2, row
    assert setting in row.message and setting in row.fix, row
    assert row.action == f"waited {fault_matrix.QUOTA_WAIT_S:g} s, retried once, named {setting}"
    assert fault_matrix.QUOTA_WAIT_S <= row.seconds < fault_matrix.QUOTA_WAIT_S + 3, row


@pytest.mark.parametrize(("fault", "retried"), [("service_restart", True), ("jitter", False)])
def test_a_restart_and_uneven_latency_still_answer(rows: dict[str, object], fault: str, retried: bool) -> None:
    row: Any = rows[fault]
    assert row.kind == "-" and row.others_ok and row.history_ok, row
    assert (row.attempts > 1) is retried, row


def test_huge_output_names_the_cap(rows: dict[str, object]) -> None:
    assert "more than 1 MiB of output" in rows["huge_output"].message  # type: ignore[attr-defined]


def test_a_flaky_host_is_retried_once_and_answers(rows: dict[str, object]) -> None:
    row = rows["flaky"]
    assert row.fault == "flaky (retried)" and row.kind == "-" and row.attempts == 2 and row.history_ok  # type: ignore[attr-defined]


def test_a_state_change_between_two_scans_is_one_transition(rows: dict[str, object]) -> None:
    row = rows["state_change"]
    assert row.history_ok and "['bad-02']" in row.message, row  # type: ignore[attr-defined]


# -- bounded resources on every remote call ------------------------------------------------------------------

ONE_HOST = {"hosts": [{"name": "HV1", "version": "2022", "edition": "Datacenter", "vms": []}]}


def _endpoint(url: str, **options: object) -> Endpoint:
    return Endpoint(host="HV1", url=url, transport="ntlm", username="LAB\\operator", **options)  # type: ignore[arg-type]


def test_every_request_carries_a_read_timeout_and_an_operation_timeout() -> None:
    client = WinRmClient(_endpoint("http://127.0.0.1:1/wsman", operation_timeout_s=3, read_timeout_s=7), "x")
    assert client._protocol.transport.read_timeout_sec == 7
    assert client._protocol.operation_timeout_sec == 3
    # The read timeout always exceeds the WinRM operation timeout, so an idle Receive is a fault, not a hang.
    tight = WinRmClient(_endpoint("http://127.0.0.1:1/wsman", operation_timeout_s=5, read_timeout_s=1), "x")
    read, operation = tight._protocol.transport.read_timeout_sec, tight._protocol.operation_timeout_sec
    assert read is not None and operation is not None and read > operation


def test_the_receive_deadline_ends_a_slow_script(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(ONE_HOST))
    lab.set_latency("HV1", 150)
    with (
        WinRmClient(_endpoint(lab.endpoints[0].url, deadline_s=0.2), LAB_PASSWORD) as client,
        pytest.raises(RemoteError) as caught,
    ):
        client.run_json_script("host_inventory", {"since": None, "max_events": 5})
    assert caught.value.kind is ErrorKind.TIMEOUT
    assert "did not finish within 0.2 s" in caught.value.message
    assert lab.open_shells("HV1") == 0, "the shell is deleted even after a deadline"


def test_retries_are_bounded_with_growing_backoff(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(ONE_HOST))
    lab.set_fault("HV1", "http500")
    target = ScanTarget(_endpoint(lab.endpoints[0].url), LAB_PASSWORD)
    for retries, minimum in ((0, 0.0), (1, 0.25), (2, 0.75)):
        outcome = scan_host(target, retries=retries)
        assert outcome.error is not None and outcome.attempts == retries + 1
        assert minimum <= outcome.seconds < minimum + 2
