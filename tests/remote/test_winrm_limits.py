"""The console against a lab as strict as Windows: quotas are waited out once, then named with their fix; every
shell is deleted on success, error and cancel; the console never holds more shells than MaxShellsPerUser."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import winrm
from fleet_support import LAB_PASSWORD, LabStarter, cancel_after, fleet_of, generated_fleet, lab_inventory, wait_until

from avma_console.domain.inventory import InventoryEntry, InventoryError, parse_inventory
from avma_console.lab.server_thread import LabServerThread
from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.errors import ErrorKind
from avma_console.remote.scanner import ScanTarget, scan_host
from avma_console.services.scan import ScanOptions, endpoint_for, scan_inventory


def _host(winrm_settings: dict[str, int] | None = None, vms: int = 2) -> dict[str, Any]:
    host: dict[str, Any] = {
        "name": "HV1",
        "version": "2022",
        "edition": "Datacenter",
        "vms": [
            {"name": f"vm-{n}", "guest_version": "2022", "guest_edition": "Standard", "key": "avma"} for n in range(vms)
        ],
    }
    if winrm_settings:
        host["winrm"] = winrm_settings
    return {"hosts": [host]}


def _target(lab: LabServerThread, **options: Any) -> ScanTarget:
    lab_endpoint = lab.endpoints[0]
    options.setdefault("quota_wait_s", 0.3)
    endpoint = Endpoint(
        host="HV1", url=lab_endpoint.url, transport=lab_endpoint.auth, username="LAB\\operator", **options
    )
    return ScanTarget(endpoint, LAB_PASSWORD)


def _quota_faults(lab: LabServerThread) -> int:
    return lab.call(lambda: lab.server.service("HV1").quota_faults)


@pytest.mark.parametrize(
    ("fault", "setting", "fix"),
    [
        ("shell_quota", "MaxShellsPerUser", 'winrm set winrm/config/winrs @{MaxShellsPerUser="60"}'),
        ("operation_quota", "MaxConcurrentOperationsPerUser", "MaxConcurrentOperationsPerUser="),
        ("process_quota", "MaxProcessesPerShell", 'winrm set winrm/config/winrs @{MaxProcessesPerShell="50"}'),
        ("memory_quota", "MaxMemoryPerShellMB", 'winrm set winrm/config/winrs @{MaxMemoryPerShellMB="2048"}'),
        ("envelope_limit", "MaxEnvelopeSizekb", 'winrm set winrm/config @{MaxEnvelopeSizekb="500"}'),
        ("idle_reap", "IdleTimeout", "winrm get winrm/config/winrs"),
    ],
)
def test_a_quota_fault_is_waited_out_once_then_named_with_its_fix(
    start_lab: LabStarter, fault: str, setting: str, fix: str
) -> None:
    lab = start_lab(fleet_of(_host()))
    lab.set_fault("HV1", fault)
    outcome = scan_host(_target(lab))
    assert outcome.error is not None and outcome.error.kind is ErrorKind.QUOTA
    assert outcome.attempts == 2, "one wait, one retry: never a blind series of retries"
    assert outcome.seconds >= 0.3, "the retry came after the wait"
    assert outcome.error.setting == setting and setting in outcome.error.message
    assert "still so after waiting 0.3 s and one retry" in outcome.error.message
    assert fix in outcome.error.fix
    assert lab.open_shells("HV1") == 0, "every shell is deleted after an error"


def test_a_quota_retry_answers_once_the_shells_are_free(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(_host({"MaxShellsPerUser": 1})))
    other_tool = winrm.Session(
        lab.endpoints[0].url, auth=("LAB\\operator", LAB_PASSWORD), transport="ntlm", ca_trust_path=None, proxy=None
    ).protocol
    held = other_tool.open_shell()
    freed = threading.Event()

    def free_when_refused() -> None:
        wait_until(lambda: _quota_faults(lab) >= 1, timeout=20, what="the host's quota fault")
        other_tool.close_shell(held)
        freed.set()

    watcher = threading.Thread(target=free_when_refused)
    watcher.start()
    outcome = scan_host(_target(lab, quota_wait_s=3.0))
    watcher.join()
    assert freed.is_set()
    assert outcome.error is None and outcome.attempts == 2, outcome.error
    assert lab.open_shells("HV1") == 0


def test_shells_are_deleted_after_success(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(_host()))
    outcome = scan_host(_target(lab))
    assert outcome.error is None and lab.open_shells("HV1") == 0


def test_the_console_never_opens_more_shells_than_max_shells_per_user(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(_host({"MaxShellsPerUser": 4}, vms=1)), latency_ms=20)
    target = _target(lab, max_shells_per_user=4)

    def run_one(_: int) -> str:
        with WinRmClient(target.endpoint, LAB_PASSWORD) as client:
            return client.run_json_script("host_inventory", {"since": None, "max_events": 5})

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(run_one, range(24)))
    assert len(answers) == 24 and all('"ComputerName"' in answer for answer in answers)
    assert lab.peak_shells_per_user("HV1") == 4, "as many as allowed, never more"
    assert _quota_faults(lab) == 0 and lab.open_shells("HV1") == 0


def test_a_cancelled_200_host_scan_leaves_no_shell_behind(start_lab: LabStarter) -> None:
    fleet = generated_fleet(200, 1)
    lab = start_lab(fleet, auth="ntlm", latency_ms=30)
    inventory = lab_inventory(lab, fleet)
    cancelled = threading.Event()
    on_result = cancel_after(20, cancelled)

    def password_for(entry: InventoryEntry) -> str:
        return LAB_PASSWORD

    snapshot = asyncio.run(
        scan_inventory(
            inventory, password_for, options=ScanOptions(concurrency=32), on_result=on_result, cancelled=cancelled
        )
    )
    kinds = [host.error_kind for host in snapshot.hosts]
    assert len(snapshot.hosts) == 200 and kinds.count("cancelled") >= 100, kinds
    names = [endpoint.host_name for endpoint in lab.endpoints]
    wait_until(
        lambda: sum(lab.open_shells(name) for name in names) == 0, timeout=30, what="every shell of the scan deleted"
    )


def test_a_reset_receive_is_retried_and_its_shells_deleted(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(_host()))
    lab.set_fault("HV1", "receive_reset")
    outcome = scan_host(_target(lab))
    assert outcome.error is not None and outcome.error.kind is ErrorKind.PROTOCOL and outcome.attempts == 3
    assert lab.open_shells("HV1") == 0, "no orphaned shells after connection resets"


def test_a_restarting_winrm_service_is_retried_until_it_answers(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(_host()))
    lab.set_fault("HV1", "service_restart")
    outcome = scan_host(_target(lab))
    assert outcome.error is None and outcome.attempts > 1


def test_the_quota_wait_is_cut_short_by_cancel(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(_host()))
    lab.set_fault("HV1", "shell_quota")
    cancelled = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(scan_host, _target(lab, quota_wait_s=60.0), cancelled=cancelled)
        wait_until(lambda: _quota_faults(lab) >= 1, timeout=20, what="the host's quota fault")
        cancelled.set()
        outcome = running.result(timeout=10)
    assert outcome.error is not None and outcome.error.kind is ErrorKind.CANCELLED and outcome.seconds < 10


def test_the_inventory_sets_the_shell_budget_per_host() -> None:
    text = '[defaults]\nusername = "LAB\\\\operator"\nmax_shells_per_user = 5\n\n[[hosts]]\nname = "hv1"\n'
    inventory = parse_inventory(text, source="fleet.toml")
    assert endpoint_for(inventory.entries[0]).max_shells_per_user == 5
    for bad in ("0", "true", '"5"'):
        with pytest.raises(InventoryError) as caught:
            parse_inventory(text.replace("= 5", f"= {bad}"), source="fleet.toml")
        assert "max_shells_per_user must be a whole number from 1 to" in str(caught.value)
