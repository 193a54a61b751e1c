"""The activation-state vocabulary (DESIGN.md) and how licence facts and AVMA error codes map onto it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avma_console.domain.keys import KeyChannel, channel_from_description
from avma_console.domain.states import (
    STATE_DESCRIPTIONS,
    ActivationState,
    AvmaOutcome,
    StateSource,
    StateTone,
    parse_error_code,
    state_from_license,
    worst_state,
)

FAST = settings(max_examples=300, deadline=None, database=None)

S = ActivationState

# DESIGN.md, "Activation state vocabulary": JSON value -> colour family.
DESIGN_STATES: dict[str, StateTone] = {
    "avma_activated": StateTone.GOOD,  # green
    "activated_other": StateTone.OTHER,  # blue
    "grace": StateTone.WARNING,  # amber
    "activation_denied": StateTone.ERROR,  # red
    "invalid_host": StateTone.ERROR,
    "invalid_data": StateTone.ERROR,
    "unlicensed": StateTone.ERROR,
    "unknown": StateTone.NEUTRAL,  # grey
    "unreachable": StateTone.NEUTRAL,  # grey, warning mark
}


def test_state_json_values_are_the_design_vocabulary() -> None:
    assert {state.value for state in ActivationState} == set(DESIGN_STATES)
    assert {source.value for source in StateSource} == {"guest", "host_events", "none"}


@pytest.mark.parametrize(("value", "tone"), DESIGN_STATES.items(), ids=list(DESIGN_STATES))
def test_every_state_has_its_design_colour_and_a_description(value: str, tone: StateTone) -> None:
    state = ActivationState(value)
    assert state.tone is tone
    assert STATE_DESCRIPTIONS[state].strip()
    assert state.is_problem is (value not in ("avma_activated", "activated_other"))


def test_state_descriptions_are_distinct() -> None:
    assert len(set(STATE_DESCRIPTIONS.values())) == len(ActivationState)


# ---------------------------------------------------------------------------------------------------------
# LicenseStatus (SoftwareLicensingProduct) x key channel

# avma-facts.md: 0 Unlicensed, 1 Licensed, 2 OOBGrace, 3 OOTGrace, 4 NonGenuineGrace, 5 Notification, 6 ExtendedGrace.
LICENSE_STATUS_STATE: dict[int, str] = {
    0: "unlicensed",
    1: "licensed",  # avma_activated with the AVMA channel, activated_other with any other
    2: "grace",
    3: "grace",
    4: "grace",
    5: "grace",  # "a grace or notification period"
    6: "grace",
    7: "unknown",  # not a LicenseStatus
    -1: "unknown",
    99: "unknown",
}


@pytest.mark.parametrize("channel", list(KeyChannel), ids=[c.value for c in KeyChannel])
@pytest.mark.parametrize("status", list(LICENSE_STATUS_STATE), ids=[f"status{s}" for s in LICENSE_STATUS_STATE])
def test_state_from_license(status: int, channel: KeyChannel) -> None:
    expected = LICENSE_STATUS_STATE[status]
    if expected == "licensed":
        expected = "avma_activated" if channel is KeyChannel.AVMA else "activated_other"
    assert state_from_license(status, channel).value == expected


# ---------------------------------------------------------------------------------------------------------
# AVMA error codes (slerror.h)

# avma-facts.md: code -> (words of its meaning, signed 32-bit form as PowerShell shows HResults, outcome)
FACTS_ERROR_CODES: dict[int, tuple[str, int, str | None]] = {
    0xC004FD00: ("request limit", -1073414912, None),  # throttled: says nothing about the licence
    0xC004FD01: ("supported Hyper-V platform", -1073414911, "invalid_host"),
    0xC004FD02: ("isn't activated on the host", -1073414910, "invalid_host"),
    0xC004FD03: ("ID mismatch", -1073414909, "activation_denied"),
    0xC004FD04: ("not bound", -1073414908, "problem"),  # some red state; which one is unconfirmed
}


def _forms(code: int, signed: int) -> list[tuple[str, str | int]]:
    return [
        ("0x-upper", f"0x{code:08X}"),
        ("0x-lower", f"0x{code:08x}"),
        ("bare-hex", f"{code:08X}"),
        ("padded", f"  0x{code:08X}\n"),
        ("signed-int", signed),
        ("signed-text", str(signed)),
        ("unsigned-int", code),
        ("unsigned-text", str(code)),
    ]


ERROR_CODE_CASES = [
    pytest.param(code, given_as, id=f"{code:08X}-{form}")
    for code, (_, signed, _) in FACTS_ERROR_CODES.items()
    for form, given_as in _forms(code, signed)
]


@pytest.mark.parametrize(("code", "given_as"), ERROR_CODE_CASES)
def test_every_avma_error_code_in_every_form(code: int, given_as: str | int) -> None:
    words, signed, outcome = FACTS_ERROR_CODES[code]
    assert signed == code - 2**32  # the test data itself
    parsed = parse_error_code(given_as)
    assert parsed is not None
    assert parsed.code == code
    assert words.casefold() in parsed.meaning.casefold()
    if outcome is None:
        assert parsed.outcome is None
    elif outcome == "problem":
        assert parsed.outcome is not None
        assert parsed.outcome.state.tone is StateTone.ERROR
    else:
        assert parsed.outcome is not None
        assert parsed.outcome.state.value == outcome


@pytest.mark.parametrize(
    "text",
    ["0xC004F074", "C004FD05", 0, -1, "0", "", "0x", "garbage", "0xC004FD03junk", "¹", "٣", "9" * 5000, "-0x5"],
    ids=repr,
)
def test_other_codes_and_garbage_are_not_avma_codes(text: str | int) -> None:
    assert parse_error_code(text) is None


@FAST
@given(st.one_of(st.text(), st.integers()))
def test_parse_error_code_never_raises(text: str | int) -> None:
    parsed = parse_error_code(text)
    assert parsed is None or 0xC004FD00 <= parsed.code <= 0xC004FD04


# ---------------------------------------------------------------------------------------------------------
# Outcomes and roll-ups


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("AVMA Success", "avma_activated"),
        ("Invalid Host", "invalid_host"),
        ("Invalid Data", "invalid_data"),
        ("Activation Denied", "activation_denied"),
    ],
)
def test_guest_outcome_names_map_to_states(name: str, state: str) -> None:
    # avma-facts.md, "Events": the outcomes recorded in the guest, spelled as the guest spells them.
    assert AvmaOutcome(name).state.value == state


@pytest.mark.parametrize(
    ("states", "worst"),
    [
        pytest.param([S.AVMA_ACTIVATED, S.AVMA_ACTIVATED], S.AVMA_ACTIVATED, id="all-green"),
        pytest.param([S.AVMA_ACTIVATED, S.ACTIVATED_OTHER], S.ACTIVATED_OTHER, id="green-blue"),
        pytest.param([S.AVMA_ACTIVATED, S.UNKNOWN], S.UNKNOWN, id="green-unknown"),
        pytest.param([S.AVMA_ACTIVATED, S.GRACE, S.UNKNOWN], S.GRACE, id="grace-beats-unknown"),
        pytest.param([S.UNKNOWN, S.UNREACHABLE], S.UNREACHABLE, id="unreachable-beats-unknown"),
        pytest.param([S.GRACE, S.ACTIVATION_DENIED], S.ACTIVATION_DENIED, id="red-beats-amber"),
        pytest.param([S.UNREACHABLE, S.INVALID_DATA], S.INVALID_DATA, id="red-beats-grey"),
        pytest.param([S.INVALID_DATA, S.INVALID_HOST], S.INVALID_HOST, id="invalid-host-beats-invalid-data"),
        pytest.param([S.ACTIVATION_DENIED, S.UNLICENSED], S.UNLICENSED, id="unlicensed-is-worst"),
        pytest.param([S.GRACE], S.GRACE, id="single"),
    ],
)
def test_worst_state_for_roll_ups(states: list[ActivationState], worst: ActivationState) -> None:
    assert worst_state(states) is worst
    assert worst_state(tuple(reversed(states))) is worst


def test_worst_state_of_nothing_is_none() -> None:
    assert worst_state([]) is None


def test_red_outranks_everything_else_and_green_nothing() -> None:
    for a, b in itertools.product(ActivationState, repeat=2):
        if a.tone is StateTone.ERROR and b.tone is not StateTone.ERROR:
            assert a.severity_rank > b.severity_rank, (a, b)
        if a is S.AVMA_ACTIVATED and b is not a:
            assert a.severity_rank < b.severity_rank, (a, b)
    assert len({state.severity_rank for state in ActivationState}) == len(ActivationState)  # a total order


# ---------------------------------------------------------------------------------------------------------
# SoftwareLicensingProduct.Description -> channel


@pytest.mark.parametrize(
    ("description", "partial", "channel"),
    [
        pytest.param("Windows(R) Operating System, VIRTUAL_MACHINE_ACTIVATION channel", None, "avma", id="avma"),
        pytest.param("windows(r) operating system, virtual_machine_activation channel", None, "avma", id="avma-lower"),
        pytest.param("Windows(R) Operating System, VOLUME_KMSCLIENT channel", None, "kms", id="kms-client"),
        pytest.param("Windows(R) Operating System, VOLUME_MAK channel", None, "mak", id="mak"),
        pytest.param("Windows(R) Operating System, RETAIL channel", None, "retail", id="retail"),
        pytest.param("Windows(R) Operating System, OEM_DM channel", None, "oem", id="oem-dm"),
        pytest.param("Windows(R) Operating System, OEM_SLP channel", None, "oem", id="oem-slp"),
        pytest.param("Windows(R) Operating System, OEM_COA_NSLP channel", None, "oem", id="oem-coa"),
        pytest.param("Windows(R) Operating System, TIMEBASED_EVAL channel", None, "unknown", id="eval-unknown"),
        pytest.param(None, None, "unknown", id="none"),
        pytest.param("", None, "unknown", id="empty"),
        # Without a telling description, the AVMA partial keys decide.
        pytest.param(None, "DV9BG", "avma", id="partial-avma"),
        pytest.param("", "wmbmw", "avma", id="partial-avma-lower"),
        pytest.param(None, "6VM33", "unknown", id="partial-gvlk"),
        # A telling description wins over a partial key.
        pytest.param("Windows(R) Operating System, RETAIL channel", "DV9BG", "retail", id="description-wins"),
    ],
)
def test_channel_from_description(description: str | None, partial: str | None, channel: str) -> None:
    assert channel_from_description(description, partial).value == channel
