"""Why a guest could not be read through PowerShell Direct, and what fixes it.

The scan keeps the error text Windows gave for each VM (`VmRecord.guest_error`); the fix is derived from that
text, so it needs no storage of its own and a history written before it gets its fixes too. The exact wording of
these Windows errors is unconfirmed (avma-facts.md), so each kind matches several phrasings, English first.
"""

from __future__ import annotations

import re
from enum import StrEnum


class GuestAccessProblem(StrEnum):
    CREDENTIALS = "credentials"  # the guest refused the user name or password
    NOT_RUNNING = "not_running"  # the VM is off, saved or paused
    HOST_WITHOUT_DIRECT = "host_without_direct"  # a 2012 R2 host: no PowerShell Direct at all
    GUEST_WITHOUT_DIRECT = "guest_without_direct"  # a 2012 R2 (or older) guest
    SERVICES_DOWN = "services_down"  # the guest's integration services (PowerShell Direct service) do not answer
    OTHER = "other"


_PATTERNS: tuple[tuple[GuestAccessProblem, re.Pattern[str]], ...] = (
    (
        GuestAccessProblem.CREDENTIALS,
        re.compile(
            r"credential is invalid|user name or password is incorrect|logon failure|access is denied"
            r"|Anmeldeinformationen sind ungültig|Zugriff verweigert",
            re.I,
        ),
    ),
    (GuestAccessProblem.NOT_RUNNING, re.compile(r"not in running state|is not running", re.I)),
    (GuestAccessProblem.HOST_WITHOUT_DIRECT, re.compile(r"parameter name '?VMId'?", re.I)),
    (GuestAccessProblem.GUEST_WITHOUT_DIRECT, re.compile(r"does not support PowerShell Direct", re.I)),
    (
        GuestAccessProblem.SERVICES_DOWN,
        re.compile(r"remote session might have ended|socket|integration service|vmicvmsession", re.I),
    ),
)

GUEST_ACCESS_FIXES: dict[GuestAccessProblem, str] = {
    GuestAccessProblem.CREDENTIALS: (
        "Give the user name and password of a local administrator of the guest (scan --guest-user and "
        "--guest-credential, guest_username and guest_credential in the inventory, or Connections in the "
        "console), then scan again; until then the verdict comes from the host."
    ),
    GuestAccessProblem.NOT_RUNNING: "Start the VM and scan again: a VM that is not running has no licence to read.",
    GuestAccessProblem.HOST_WITHOUT_DIRECT: (
        "PowerShell Direct needs a Windows Server 2016 or later host; on this host the verdict comes from its "
        "events (or check the guest with slmgr /dlv inside it)."
    ),
    GuestAccessProblem.GUEST_WITHOUT_DIRECT: (
        "PowerShell Direct needs Windows Server 2016 or later in the guest; for this guest the verdict comes from "
        "the host's events (or check it with slmgr /dlv inside it)."
    ),
    GuestAccessProblem.SERVICES_DOWN: (
        "Start the guest's integration services (Hyper-V PowerShell Direct Service, vmicvmsession) or update "
        "them, let the guest finish starting, then scan again."
    ),
    GuestAccessProblem.OTHER: (
        "Check that the guest is running with its integration services up and that the guest credentials belong "
        "to a local administrator, then scan again."
    ),
}


def guest_access_problem(error: str) -> GuestAccessProblem:
    return next((problem for problem, pattern in _PATTERNS if pattern.search(error)), GuestAccessProblem.OTHER)


def guest_access_fix(error: str | None) -> str | None:
    """The sentence that fixes a failed guest read (None when there was no error)."""
    if not error:
        return None
    return GUEST_ACCESS_FIXES[guest_access_problem(error)]
