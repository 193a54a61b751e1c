"""The real KDC for the Kerberos tests (scripts/start-kdc.sh), imported as `kerberos_support`.

scripts/test.sh starts the KDC and exports AVMA_TEST_KDC_DIR with KRB5_CONFIG / KRB5_KDC_PROFILE; there a missing
KDC fails the run. Run alone, pytest skips the Kerberos tests unless those variables are set.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REALM = "LAB.TEST"
OPERATOR = f"operator@{REALM}"


@dataclass
class Kdc:
    directory: Path
    keytab: Path
    ccache: Path
    services: set[str] = field(default_factory=set)

    def kadmin(self, *commands: str, stdin: str = "") -> None:
        script = "".join(f"{command}\n" for command in commands)
        # kadmin.local reads its commands (and, for cpw, the password) from stdin: nothing on a command line.
        subprocess.run(
            ["kadmin.local"], input=script + stdin, text=True, check=True, capture_output=True, env=os.environ.copy()
        )

    def set_operator_password(self, password: str) -> None:
        subprocess.run(
            ["kadmin.local", "-q", f"cpw {OPERATOR}"],
            input=f"{password}\n{password}\n",
            text=True,
            check=True,
            capture_output=True,
        )

    def add_services(self, hosts: list[str]) -> None:
        """HTTP/<host>@LAB.TEST with its key in the lab's keytab, for every host not yet registered."""
        new = sorted({host.lower() for host in hosts} - self.services)
        if not new:
            return
        commands = []
        for host in new:
            commands += [f"addprinc -randkey HTTP/{host}@{REALM}", f"ktadd -k {self.keytab} HTTP/{host}@{REALM}"]
        self.kadmin(*commands)
        self.services.update(new)

    def kinit(self, password: str) -> None:
        subprocess.run(["kinit", OPERATOR], input=f"{password}\n", text=True, check=True, capture_output=True)

    def kdestroy(self) -> None:
        subprocess.run(["kdestroy"], check=False, capture_output=True)


def start_lab_for(transport: str, request: object, start_lab: object, fleet: object, **options: object) -> tuple:  # type: ignore[type-arg]
    """A lab for `transport` and the inventory overrides that reach it: ntlm as ever, kerberos through the KDC."""
    if transport == "kerberos":
        kdc = request.getfixturevalue("kdc")  # type: ignore[attr-defined]
        kdc.add_services([host.name for host in fleet.hosts])  # type: ignore[attr-defined]
        lab = start_lab(fleet, auth="kerberos", kerberos_keytab=kdc.keytab, kerberos_realm=REALM, **options)  # type: ignore[operator]
        return lab, {"transport": "kerberos", "username": OPERATOR}
    return start_lab(fleet, **options), {}  # type: ignore[operator]
