"""Typed, operator-readable errors for everything that can go wrong talking to a host."""

from __future__ import annotations

from enum import StrEnum

from avma_console.domain.i18n import tr_noop


class ErrorKind(StrEnum):
    DNS = "dns"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    AUTH = "auth"
    TLS = "tls"
    INSECURE = "insecure"
    HTTP = "http"
    WSMAN_FAULT = "wsman_fault"
    PROTOCOL = "protocol"
    SCRIPT = "script"
    BAD_OUTPUT = "bad_output"
    QUOTA = "quota"  # a WinRM service limit of the host (MaxShellsPerUser, MaxEnvelopeSizekb, ...): the error names it
    CREDENTIAL = "credential"
    CANCELLED = "cancelled"
    INTERNAL = "internal"


_FIXES: dict[ErrorKind, str] = {  # translated in the GUI (context RemoteErrors)
    ErrorKind.DNS: tr_noop(
        "RemoteErrors", "Check the host name (or set address = ... in the inventory) and the DNS server."
    ),
    ErrorKind.REFUSED: tr_noop(
        "RemoteErrors",
        "Check that WinRM listens there (winrm quickconfig; Test-WSMan) and that a firewall allows the port.",
    ),
    ErrorKind.TIMEOUT: tr_noop(
        "RemoteErrors", "The host did not answer in time: check that it is up and not overloaded, then scan again."
    ),
    ErrorKind.AUTH: tr_noop(
        "RemoteErrors",
        "Check the user name and password (stored in the OS keyring or given by env:/prompt) and that the account may use WinRM (member of Administrators or Remote Management Users, and Hyper-V Administrators).",
    ),
    ErrorKind.TLS: tr_noop(
        "RemoteErrors",
        "Add the CA that issued the host's certificate with ca_bundle = \"corp-ca.pem\" in the inventory, or fix the certificate's name; verification stays on.",
    ),
    ErrorKind.INSECURE: tr_noop(
        "RemoteErrors",
        "Use https, or the ntlm/kerberos transport (which encrypts messages), or set allow_insecure = true knowingly.",
    ),
    ErrorKind.HTTP: tr_noop(
        "RemoteErrors", "The WinRM service answered with an error: check the host's WinRM event log, then scan again."
    ),
    ErrorKind.WSMAN_FAULT: tr_noop(
        "RemoteErrors",
        "The WinRM service refused the request: check the host's WinRM configuration (MaxEnvelopeSizekb, quotas).",
    ),
    ErrorKind.PROTOCOL: tr_noop(
        "RemoteErrors",
        "The answer was cut off or was not WS-Management: check proxies or load balancers in between, then retry.",
    ),
    ErrorKind.SCRIPT: tr_noop(
        "RemoteErrors",
        "The inventory script failed on the host: check that Hyper-V's PowerShell module is installed and the account is a Hyper-V administrator.",
    ),
    ErrorKind.BAD_OUTPUT: tr_noop(
        "RemoteErrors",
        "The host's answer could not be read: check its PowerShell version (5.1 expected), then scan again.",
    ),
    ErrorKind.QUOTA: tr_noop(
        "RemoteErrors",
        "A WinRM limit of the host was reached: raise the setting named in the message on the host (winrm set winrm/config/... or Set-Item WSMan:\\localhost\\...), or close other sessions of this account.",
    ),
    ErrorKind.CREDENTIAL: tr_noop(
        "RemoteErrors",
        'Store the password in the OS keyring, or use credential = "env:VAR" or "prompt" in the inventory.',
    ),
    ErrorKind.CANCELLED: tr_noop("RemoteErrors", "Scan again when ready."),
    ErrorKind.INTERNAL: tr_noop(
        "RemoteErrors",
        "The console could not finish this host's query (a worker process stopped or a bug): scan again; if it repeats, report it with the console's log.",
    ),
}


class Messages:
    """Templates of RemoteError messages. The GUI matches a message back to its template to show it in the
    reader's language (qt/text.py remote_error); the fields are inserted as they are."""

    SCRIPT_FAILED = tr_noop("RemoteErrors", "{script}.ps1 failed: {output}")
    OUT_OF_MEMORY = tr_noop(
        "RemoteErrors",
        "{script}.ps1 ran out of memory on the host: the shell's memory quota (MaxMemoryPerShellMB) is too small for it",
    )
    SERVICE_UNAVAILABLE = tr_noop("RemoteErrors", "WinRM answered HTTP 503: the WinRM service is stopped or restarting")
    CREDENTIALS_REJECTED = tr_noop("RemoteErrors", "the host rejected the credentials of {user}")
    HTTP_STATUS = tr_noop("RemoteErrors", "WinRM answered HTTP {code}")
    CUT_OFF = tr_noop("RemoteErrors", "the answer was cut off in the middle")
    NOT_WSMAN = tr_noop("RemoteErrors", "the answer is not a WS-Management message")
    NAME_NOT_RESOLVED = tr_noop("RemoteErrors", "the name in {url} cannot be resolved")
    REFUSED = tr_noop("RemoteErrors", "{url} refused the connection")
    TLS_FAILED = tr_noop("RemoteErrors", "the TLS handshake with {url} failed")
    CLOSED = tr_noop("RemoteErrors", "{url} closed the connection without a complete answer")
    CANNOT_CONNECT = tr_noop("RemoteErrors", "cannot connect to {url}")
    SCAN_CANCELLED = tr_noop("RemoteErrors", "the scan was cancelled")


MESSAGE_TEMPLATES: tuple[str, ...] = tuple(
    value for name, value in vars(Messages).items() if name.isupper() and isinstance(value, str)
)


class RemoteError(Exception):
    """A failure talking to one host. `message` is for operators and never contains a secret."""

    def __init__(
        self,
        kind: ErrorKind,
        host: str,
        message: str,
        *,
        fix: str | None = None,
        retryable: bool | None = None,
        setting: str | None = None,
    ) -> None:
        super().__init__(f"{host}: {message}")
        self.kind = kind
        self._retryable = retryable
        self.setting = setting  # the host's WinRM setting that limited the request (QUOTA errors)
        self.host = host
        self.message = message
        self.fix = fix or _FIXES[kind]

    def __reduce__(self) -> tuple[type[RemoteError], tuple[ErrorKind, str, str], dict[str, object]]:
        """Pickled by its fields (it crosses from scan worker processes): Exception's default needs `args`."""
        state: dict[str, object] = {"fix": self.fix, "_retryable": self._retryable, "setting": self.setting}
        return (RemoteError, (self.kind, self.host, self.message), state)

    @property
    def retryable(self) -> bool:
        """Whether trying again soon may succeed (a hung host is not retried: it would only hang again)."""
        if self._retryable is not None:
            return self._retryable
        return self.kind in (ErrorKind.REFUSED, ErrorKind.HTTP, ErrorKind.PROTOCOL)
