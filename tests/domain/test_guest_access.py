"""A failed guest read (PowerShell Direct) gets the fix its error calls for."""

from __future__ import annotations

import pytest

from avma_console.domain.guest_access import GuestAccessProblem, guest_access_fix, guest_access_problem


@pytest.mark.parametrize(
    ("error", "problem", "fix_mentions"),
    [
        ("The credential is invalid.", GuestAccessProblem.CREDENTIALS, "guest_username"),
        ("Logon failure: unknown user name or bad password.", GuestAccessProblem.CREDENTIALS, "--guest-credential"),
        ("Die Anmeldeinformationen sind ungültig.", GuestAccessProblem.CREDENTIALS, "local administrator"),  # de-DE
        ("The virtual machine 'db' is not in running state.", GuestAccessProblem.NOT_RUNNING, "Start the VM"),
        (
            "A parameter cannot be found that matches parameter name 'VMId'.",
            GuestAccessProblem.HOST_WITHOUT_DIRECT,
            "2016 or later host",
        ),
        (
            "An error has occurred which Windows PowerShell cannot handle. The virtual machine 'x' does not support "
            "PowerShell Direct: it needs Windows 10 / Windows Server 2016 or later in the guest and on the host.",
            GuestAccessProblem.GUEST_WITHOUT_DIRECT,
            "2016 or later in the guest",
        ),
        (
            "An error has occurred which Windows PowerShell cannot handle. A remote session might have ended.",
            GuestAccessProblem.SERVICES_DOWN,
            "vmicvmsession",
        ),
        ("Something nobody foresaw.", GuestAccessProblem.OTHER, "local administrator"),
    ],
)
def test_each_guest_access_error_gets_its_fix(error: str, problem: GuestAccessProblem, fix_mentions: str) -> None:
    assert guest_access_problem(error) is problem
    fix = guest_access_fix(error)
    assert fix is not None
    assert fix_mentions in fix


def test_no_error_no_fix() -> None:
    assert guest_access_fix(None) is None
    assert guest_access_fix("") is None
