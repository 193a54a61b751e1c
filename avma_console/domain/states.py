"""The activation-state vocabulary (a JSON contract) and how licence facts and AVMA outcomes map onto it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from avma_console.domain.i18n import tr_noop
from avma_console.domain.keys import KeyChannel


class ActivationState(StrEnum):
    AVMA_ACTIVATED = "avma_activated"
    ACTIVATED_OTHER = "activated_other"
    GRACE = "grace"
    ACTIVATION_DENIED = "activation_denied"
    INVALID_HOST = "invalid_host"
    INVALID_DATA = "invalid_data"
    UNLICENSED = "unlicensed"
    UNKNOWN = "unknown"
    UNREACHABLE = "unreachable"

    @property
    def severity_rank(self) -> int:
        """Higher is worse: roll-ups (host, cluster, fleet) show the worst state of their VMs."""
        return _RANK[self]

    @property
    def is_problem(self) -> bool:
        return self not in (ActivationState.AVMA_ACTIVATED, ActivationState.ACTIVATED_OTHER)

    @property
    def tone(self) -> StateTone:
        return _TONE[self]


class StateTone(StrEnum):
    """The colour family of a state; the theme turns it into colours, icons always come with it."""

    GOOD = "good"  # green
    OTHER = "other"  # blue
    WARNING = "warning"  # amber
    ERROR = "error"  # red
    NEUTRAL = "neutral"  # grey


_RANK: dict[ActivationState, int] = {
    ActivationState.AVMA_ACTIVATED: 0,
    ActivationState.ACTIVATED_OTHER: 1,
    ActivationState.UNKNOWN: 2,
    ActivationState.GRACE: 3,
    ActivationState.UNREACHABLE: 4,
    ActivationState.INVALID_DATA: 5,
    ActivationState.INVALID_HOST: 6,
    ActivationState.ACTIVATION_DENIED: 7,
    ActivationState.UNLICENSED: 8,
}

_TONE: dict[ActivationState, StateTone] = {
    ActivationState.AVMA_ACTIVATED: StateTone.GOOD,
    ActivationState.ACTIVATED_OTHER: StateTone.OTHER,
    ActivationState.GRACE: StateTone.WARNING,
    ActivationState.ACTIVATION_DENIED: StateTone.ERROR,
    ActivationState.INVALID_HOST: StateTone.ERROR,
    ActivationState.INVALID_DATA: StateTone.ERROR,
    ActivationState.UNLICENSED: StateTone.ERROR,
    ActivationState.UNKNOWN: StateTone.NEUTRAL,
    ActivationState.UNREACHABLE: StateTone.NEUTRAL,
}

STATE_DESCRIPTIONS: dict[ActivationState, str] = {
    ActivationState.AVMA_ACTIVATED: tr_noop("State", "Licensed through AVMA"),
    ActivationState.ACTIVATED_OTHER: tr_noop("State", "Licensed through another channel (retail, OEM, MAK or KMS)"),
    ActivationState.GRACE: tr_noop("State", "Not yet activated: in a grace or notification period"),
    ActivationState.ACTIVATION_DENIED: tr_noop(
        "State", "AVMA refused: the host cannot activate this guest version or edition"
    ),
    ActivationState.INVALID_HOST: tr_noop("State", "The host does not answer AVMA requests or is not a supported host"),
    ActivationState.INVALID_DATA: tr_noop("State", "Host and guest could not exchange activation data"),
    ActivationState.UNLICENSED: tr_noop("State", "Not activated, and no grace period left"),
    ActivationState.UNKNOWN: tr_noop("State", "No evidence yet (VM off, no events, no guest access)"),
    ActivationState.UNREACHABLE: tr_noop("State", "The host could not be queried"),
}

# Short names for lists, the tree and reports (the Qt theme adds its display categories' names).
STATE_LABELS: dict[ActivationState, str] = {
    ActivationState.AVMA_ACTIVATED: tr_noop("State", "AVMA activated"),
    ActivationState.ACTIVATED_OTHER: tr_noop("State", "Activated (other channel)"),
    ActivationState.GRACE: tr_noop("State", "Grace period"),
    ActivationState.ACTIVATION_DENIED: tr_noop("State", "Activation denied"),
    ActivationState.INVALID_HOST: tr_noop("State", "Invalid host"),
    ActivationState.INVALID_DATA: tr_noop("State", "Invalid data"),
    ActivationState.UNLICENSED: tr_noop("State", "Unlicensed"),
    ActivationState.UNKNOWN: tr_noop("State", "Unknown"),
    ActivationState.UNREACHABLE: tr_noop("State", "Unreachable"),
}


def worst_state(states: list[ActivationState] | tuple[ActivationState, ...]) -> ActivationState | None:
    return max(states, key=lambda state: state.severity_rank) if states else None


class StateSource(StrEnum):
    GUEST = "guest"  # read inside the guest (PowerShell Direct or WinRM)
    HOST_EVENTS = "host_events"  # derived from event 12310 on the host
    NONE = "none"


class LicenseStatus(IntEnum):
    """SoftwareLicensingProduct.LicenseStatus."""

    UNLICENSED = 0
    LICENSED = 1
    OOB_GRACE = 2
    OOT_GRACE = 3
    NON_GENUINE_GRACE = 4
    NOTIFICATION = 5
    EXTENDED_GRACE = 6


def state_from_license(status: int, channel: KeyChannel) -> ActivationState:
    """The state a guest's own licence facts prove."""
    try:
        license_status = LicenseStatus(status)
    except ValueError:
        return ActivationState.UNKNOWN
    if license_status is LicenseStatus.LICENSED:
        return ActivationState.AVMA_ACTIVATED if channel is KeyChannel.AVMA else ActivationState.ACTIVATED_OTHER
    if license_status is LicenseStatus.UNLICENSED:
        return ActivationState.UNLICENSED
    return ActivationState.GRACE


class AvmaOutcome(StrEnum):
    """What an AVMA activation attempt ended in, as the guest's event 12309 names it."""

    SUCCESS = "AVMA Success"
    INVALID_HOST = "Invalid Host"
    INVALID_DATA = "Invalid Data"
    ACTIVATION_DENIED = "Activation Denied"

    @property
    def state(self) -> ActivationState:
        return _OUTCOME_STATE[self]


_OUTCOME_STATE: dict[AvmaOutcome, ActivationState] = {
    AvmaOutcome.SUCCESS: ActivationState.AVMA_ACTIVATED,
    AvmaOutcome.INVALID_HOST: ActivationState.INVALID_HOST,
    AvmaOutcome.INVALID_DATA: ActivationState.INVALID_DATA,
    AvmaOutcome.ACTIVATION_DENIED: ActivationState.ACTIVATION_DENIED,
}


@dataclass(frozen=True, slots=True)
class AvmaErrorCode:
    code: int
    symbol: str
    meaning: str
    outcome: AvmaOutcome | None  # None: says nothing about the licence (e.g. throttling)


# slerror.h
AVMA_ERROR_CODES: dict[int, AvmaErrorCode] = {
    entry.code: entry
    for entry in (
        AvmaErrorCode(
            0xC004FD00,
            "SL_E_VM_REQUEST_LIMIT",
            tr_noop("ErrorCodes", "The AVMA request limit was reached (throttled); it retries later"),
            None,
        ),
        AvmaErrorCode(
            0xC004FD01,
            "SL_E_NOT_SUPPORTED_PLATFORM",
            tr_noop("ErrorCodes", "Not running on a supported Hyper-V platform"),
            AvmaOutcome.INVALID_HOST,
        ),
        AvmaErrorCode(
            0xC004FD02,
            "SL_E_HOST_NOT_ACTIVATED",
            tr_noop("ErrorCodes", "Windows isn't activated on the host"),
            AvmaOutcome.INVALID_HOST,
        ),
        AvmaErrorCode(
            0xC004FD03,
            "SL_E_ID_MISMATCH",
            tr_noop("ErrorCodes", "The host can't activate this edition or version (AVMA ID mismatch)"),
            AvmaOutcome.ACTIVATION_DENIED,
        ),
        AvmaErrorCode(
            0xC004FD04,
            "SL_E_NOT_BOUND",
            tr_noop("ErrorCodes", "Windows isn't activated (machine not bound)"),
            AvmaOutcome.INVALID_DATA,
        ),
    )
}


def parse_error_code(text: str | int) -> AvmaErrorCode | None:
    """Look up an AVMA error code given as 0xC004FD03, C004FD03, -1073414909 or an int."""
    if isinstance(text, int):
        value = text & 0xFFFFFFFF
    else:
        cleaned = text.strip().lower()
        try:
            value = int(cleaned, 16) if cleaned.startswith("0x") or not cleaned.lstrip("-").isdigit() else int(cleaned)
        except ValueError:
            return None
        value &= 0xFFFFFFFF
    return AVMA_ERROR_CODES.get(value)
