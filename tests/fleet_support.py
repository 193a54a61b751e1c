"""Fleets and inventories for tests that talk to the real lab (imported as `fleet_support`)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.lab.fleet import LabFleet, fleet_from_data, parse_fleet, simulate_history
from avma_console.lab.generate import generate_fleet
from avma_console.lab.runner import demo_fleet_text, lab_inventory  # noqa: F401 - the tests import it from here
from avma_console.lab.server_thread import LabServerThread

# A moment for tests that fix the clock (FixedClock(LAB_NOW)): lab, scans and history then agree on "now".
LAB_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LAB_PASSWORD = "lab-Pa55word!test"
GUEST_PASSWORD = "guest-Pa55word!test"

# Every literal the tests use as a password, right or wrong. The session's credential sweep
# (tests/secret_sweep.py) fails the run if any of them shows up in a file the tests wrote or in a log record.
# A new password literal in a test belongs here too.
TEST_PASSWORDS: tuple[str, ...] = (
    LAB_PASSWORD,
    GUEST_PASSWORD,
    "Lab-Passw0rd!",  # tests/lab/lab_support.py PASSWORD
    "cli-lab-secret",  # tests/e2e/test_cli.py
    "tenant-Wr0ng!secret",  # tests/e2e/test_operations.py WRONG_PASSWORD
    "Tr0ub4dor&3-correct-horse",  # tests/services/test_credentials.py SECRET
    "Sup3r-S3cret!",  # tests/domain/test_inventory.py (a password pasted into an inventory)
    "not-the-password",
    "wrong-password",
    "lab-demo-only",  # resources/demo/fleet.json
    "guest-demo-only",  # resources/demo/fleet.json
)


def demo_fleet(clock: Clock = SYSTEM_CLOCK) -> LabFleet:
    """The demo fleet, its history simulated up to `clock`'s now: by default the wall clock, which is what the
    console's scans read unless a test gives them a clock too."""
    fleet = parse_fleet(demo_fleet_text(), source="demo fleet", clock=clock)
    fleet.credentials.password = LAB_PASSWORD
    assert fleet.guest_credentials is not None
    fleet.guest_credentials.password = GUEST_PASSWORD
    return fleet


def generated_fleet(hosts: int, vms_per_host: int) -> LabFleet:
    """A generated fleet (as `avma-console lab --hosts N` makes) with the tests' passwords."""
    data = generate_fleet(hosts, vms_per_host)
    for secret in ("credentials", "guest_credentials"):
        data.pop(secret)
    return fleet_of(data)


def fleet_of(data: dict[str, Any], clock: Clock = SYSTEM_CLOCK) -> LabFleet:
    data = json.loads(json.dumps(data))
    data.setdefault("credentials", {"username": "LAB\\operator", "password": LAB_PASSWORD})
    data.setdefault("guest_credentials", {"username": "Administrator", "password": GUEST_PASSWORD})
    fleet = fleet_from_data(data, source="test fleet", clock=clock)
    simulate_history(fleet)
    return fleet


LabStarter = Callable[..., LabServerThread]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def cancel_after(count: int, cancelled: threading.Event) -> Callable[[Any, Any], None]:
    """An on_result callback that sets `cancelled` once `count` results have arrived."""
    seen: list[object] = []

    def on_result(outcome: object, progress: object) -> None:
        seen.append(outcome)
        if len(seen) == count:
            cancelled.set()

    return on_result


# Guests in every way a guest read can go (tests/e2e/test_guest_scan.py, tests/qt/test_guest_gui.py): the right AVMA
# key, KMS, retail, the AVMA key of another version, integration services stopped, off; and a 2012 R2 host.
GUEST_FLEET = {
    "hosts": [
        {
            "name": "HV-G1",
            "version": "2022",
            "edition": "Datacenter",
            "vms": [
                {"name": "avma-ok", "guest_version": "2022", "guest_edition": "Standard", "key": "avma"},
                {"name": "kms-guest", "guest_version": "2019", "guest_edition": "Standard", "key": "kms"},
                {"name": "retail-guest", "guest_version": "2022", "guest_edition": "Datacenter", "key": "retail"},
                # The AVMA key of 2022 in a 2019 guest: every attempt is denied (0xC004FD03).
                {"name": "wrong-key", "guest_version": "2019", "guest_edition": "Datacenter", "key": "avma:2022"},
                {
                    "name": "services-off",
                    "guest_version": "2022",
                    "guest_edition": "Standard",
                    "key": "kms",
                    "integration_services": False,
                },
                {
                    "name": "stopped",
                    "guest_version": "2022",
                    "guest_edition": "Standard",
                    "key": "kms",
                    "running": False,
                },
            ],
        },
        {
            "name": "HV-OLD",
            "version": "2012R2",
            "edition": "Datacenter",
            "vms": [{"name": "on-old-host", "guest_version": "2012R2", "guest_edition": "Standard", "key": "kms"}],
        },
    ]
}
