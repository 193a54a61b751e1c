"""AVMA keys and product-key validation, against the key table and key format in reference/avma-facts.md."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avma_console.domain.keys import (
    KEY_ALPHABET,
    InvalidProductKeyError,
    KeyChannel,
    avma_key_for,
    avma_products_for_key,
    avma_products_for_partial_key,
    channel_from_description,
    decode_key,
    is_avma_partial_key,
    is_valid_key,
    key_checksum,
    mask_key,
    normalize_key,
    validate_key,
)
from avma_console.domain.versions import Edition, ServerVersion

FAST = settings(max_examples=300, deadline=None, database=None)

# avma-facts.md, "AVMA keys (public generic keys)": every filled cell, one row per release.
FACTS_KEYS: list[tuple[str, str, str]] = [
    ("2025", "Datacenter", "YQB4H-NKHHJ-Q6K4R-4VMY6-VCH67"),
    ("2025", "DatacenterAzure", "6NMQ9-T38WF-6MFGM-QYGYM-88J4F"),
    ("2025", "Standard", "WWVGQ-PNHV9-B89P4-8GGM9-9HPQ4"),
    ("2022", "Datacenter", "W3GNR-8DDXR-2TFRP-H8P33-DV9BG"),
    ("2022", "DatacenterAzure", "F7TB6-YKN8Y-FCC6R-KQ484-VMK3J"),
    ("2022", "Standard", "YDFWN-MJ9JR-3DYRK-FXXRW-78VHK"),
    ("2019", "Datacenter", "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW"),
    ("2019", "Standard", "TNK62-RXVTB-4P47B-2D623-4GF74"),
    ("2019", "Essentials", "2CTP7-NHT64-BP62M-FV6GG-HFV28"),
    ("1909", "Datacenter", "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW"),
    ("1909", "Standard", "TNK62-RXVTB-4P47B-2D623-4GF74"),
    ("1903", "Datacenter", "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW"),
    ("1903", "Standard", "TNK62-RXVTB-4P47B-2D623-4GF74"),
    ("1809", "Datacenter", "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW"),
    ("1809", "Standard", "TNK62-RXVTB-4P47B-2D623-4GF74"),
    ("1803", "Datacenter", "TMJ3Y-NTRTM-FJYXT-T22BY-CWG3J"),
    ("1803", "Standard", "C3RCX-M6NRP-6CXC9-TW2F2-4RHYD"),
    ("1709", "Datacenter", "TMJ3Y-NTRTM-FJYXT-T22BY-CWG3J"),
    ("1709", "Standard", "C3RCX-M6NRP-6CXC9-TW2F2-4RHYD"),
    ("2016", "Datacenter", "TMJ3Y-NTRTM-FJYXT-T22BY-CWG3J"),
    ("2016", "Standard", "C3RCX-M6NRP-6CXC9-TW2F2-4RHYD"),
    ("2016", "Essentials", "B4YNW-62DX9-W8V6M-82649-MHBKQ"),
    ("2012R2", "Datacenter", "Y4TGP-NPTV9-HTC2H-7MGQ3-DV4TW"),
    ("2012R2", "Standard", "DBGBW-NPF86-BJVTX-K3WKJ-MTB6V"),
    ("2012R2", "Essentials", "K2XGM-NMBT3-2R6Q8-WF2FK-P36R2"),
]
# The cells marked "–" in that table: AVMA has no key there.
FACTS_NO_KEY: list[tuple[str, str]] = [
    ("2025", "Essentials"),
    ("2022", "Essentials"),
    ("2019", "DatacenterAzure"),
    ("1909", "DatacenterAzure"),
    ("1909", "Essentials"),
    ("1903", "DatacenterAzure"),
    ("1903", "Essentials"),
    ("1809", "DatacenterAzure"),
    ("1809", "Essentials"),
    ("1803", "DatacenterAzure"),
    ("1803", "Essentials"),
    ("1709", "DatacenterAzure"),
    ("1709", "Essentials"),
    ("2016", "DatacenterAzure"),
    ("2012R2", "DatacenterAzure"),
]
UNIQUE_AVMA_KEYS = sorted({key for _, _, key in FACTS_KEYS})

# Public KMS client keys (GVLKs) from Microsoft's "KMS client activation and product keys" page. Many
# "AVMA key" lists on the web contain these; they are real keys (valid checksum) but not AVMA keys.
KMS_CLIENT_KEYS: dict[str, str] = {
    "WS2022 Datacenter": "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
    "WS2022 Standard": "VDYBN-27WPP-V4HQT-9VMD4-VMK7H",
    "WS2022 Datacenter Azure": "NTBV8-9K7Q8-V27C6-M2BTV-KHMXV",
    "WS2019 Datacenter": "WMDGN-G9PQG-XVVXX-R3X43-63DFG",
    "WS2019 Standard": "N69G4-B89J2-4G8F4-WWYCC-J464C",
    "WS2016 Datacenter": "CB7KF-BWN84-R7R2Y-793K2-8XDDG",
    "WS2016 Standard": "WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY",
    "WS2012R2 Datacenter": "W3GGN-FT8W3-Y4M27-J84CP-Q3VJ9",
}

KEY_SHAPE = re.compile(r"[BCDFGHJKMNPQRTVWXY2346789]{5}(-[BCDFGHJKMNPQRTVWXY2346789]{5}){4}")


def facts_products(key: str) -> set[tuple[str, str]]:
    return {(version, edition) for version, edition, avma_key in FACTS_KEYS if avma_key == key}


def as_strings(products: list[tuple[ServerVersion, Edition]]) -> set[tuple[str, str]]:
    return {(version.value, edition.value) for version, edition in products}


# ---------------------------------------------------------------------------------------------------------
# The key table


@pytest.mark.parametrize(("version", "edition", "key"), FACTS_KEYS, ids=[f"{v}-{e}" for v, e, _ in FACTS_KEYS])
def test_avma_key_for_every_cell_of_the_facts_table(version: str, edition: str, key: str) -> None:
    assert avma_key_for(ServerVersion(version), Edition(edition)) == key


@pytest.mark.parametrize(("version", "edition"), FACTS_NO_KEY, ids=[f"{v}-{e}" for v, e in FACTS_NO_KEY])
def test_no_avma_key_where_the_facts_have_none(version: str, edition: str) -> None:
    assert avma_key_for(ServerVersion(version), Edition(edition)) is None


@pytest.mark.parametrize("version", [v.value for v in ServerVersion])
@pytest.mark.parametrize("edition", ["DatacenterEvaluation", "StandardEvaluation"])
def test_evaluation_editions_have_no_avma_key(version: str, edition: str) -> None:
    assert avma_key_for(ServerVersion(version), Edition(edition)) is None


def test_every_version_and_edition_is_covered_by_the_two_tables() -> None:
    # Guards the test data itself: each (version, licensed edition) is either a key cell or a "–" cell.
    licensed = ("Datacenter", "DatacenterAzure", "Standard", "Essentials")
    covered = {(v, e) for v, e, _ in FACTS_KEYS} | set(FACTS_NO_KEY)
    assert covered == {(v.value, e) for v in ServerVersion for e in licensed}


@pytest.mark.parametrize("key", UNIQUE_AVMA_KEYS)
def test_reverse_lookup_names_every_product_of_the_key(key: str) -> None:
    expected = facts_products(key)
    assert as_strings(avma_products_for_key(key)) == expected
    # Operators paste keys in every shape.
    assert as_strings(avma_products_for_key(key.lower())) == expected
    assert as_strings(avma_products_for_key(key.replace("-", ""))) == expected
    assert as_strings(avma_products_for_key(" " + key.replace("-", " ") + "\n")) == expected


def test_reverse_lookup_of_shared_keys_includes_the_semi_annual_twins() -> None:
    assert as_strings(avma_products_for_key("H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW")) == {
        ("2019", "Datacenter"),
        ("1909", "Datacenter"),
        ("1903", "Datacenter"),
        ("1809", "Datacenter"),
    }
    assert as_strings(avma_products_for_key("C3RCX-M6NRP-6CXC9-TW2F2-4RHYD")) == {
        ("2016", "Standard"),
        ("1803", "Standard"),
        ("1709", "Standard"),
    }


@pytest.mark.parametrize("key", UNIQUE_AVMA_KEYS)
def test_partial_key_lookup_by_last_five_characters(key: str) -> None:
    tail = key[-5:]
    expected = facts_products(key)
    assert as_strings(avma_products_for_partial_key(tail)) == expected
    assert as_strings(avma_products_for_partial_key(tail.lower())) == expected
    assert as_strings(avma_products_for_partial_key(f" {tail} ")) == expected
    assert is_avma_partial_key(tail)
    # WMI's PartialProductKey alone tells the channel when the description is missing.
    assert channel_from_description(None, tail.lower()) is KeyChannel.AVMA


@pytest.mark.parametrize(
    "partial",
    ["6VM33", "63DFG", "BCDFG", "DV9B", "XDV9BG", "", "     ", "DV9B?", "ＤＶ９ＢＧ"],
    ids=repr,
)
def test_non_avma_partial_keys_match_nothing(partial: str) -> None:
    assert avma_products_for_partial_key(partial) == []
    assert not is_avma_partial_key(partial)
    assert channel_from_description(None, partial) is KeyChannel.UNKNOWN


@pytest.mark.parametrize("key", KMS_CLIENT_KEYS.values(), ids=KMS_CLIENT_KEYS.keys())
def test_kms_client_keys_are_real_keys_but_not_avma_keys(key: str) -> None:
    assert validate_key(key) == key  # the checksum holds: they are genuine keys...
    assert avma_products_for_key(key) == []  # ...of another channel
    assert not is_avma_partial_key(key[-5:])
    assert key not in UNIQUE_AVMA_KEYS


# ---------------------------------------------------------------------------------------------------------
# Validation: format and checksum


@pytest.mark.parametrize("key", UNIQUE_AVMA_KEYS)
def test_every_avma_key_validates(key: str) -> None:
    assert validate_key(key) == key
    assert is_valid_key(key)


@pytest.mark.parametrize(
    "raw",
    [
        "w3gnr-8ddxr-2tfrp-h8p33-dv9bg",
        "W3GNR 8DDXR 2TFRP H8P33 DV9BG",
        "W3GNR8DDXR2TFRPH8P33DV9BG",
        "w3Gnr-8dDXR 2tfrpH8P33--dv9bg",
        "  W3GNR-8DDXR-2TFRP-H8P33-DV9BG\r\n",
        "\tW3GNR-8DDXR-2TFRP-H8P33-DV9BG\t",
        "W3GNR\u00a08DDXR\u00a02TFRP\u00a0H8P33\u00a0DV9BG",  # non-breaking spaces from a web page
    ],
    ids=["lower", "spaces", "no-dashes", "mixed", "crlf-paste", "tabs", "nbsp"],
)
def test_normalisation_accepts_how_keys_are_pasted(raw: str) -> None:
    assert normalize_key(raw) == "W3GNR-8DDXR-2TFRP-H8P33-DV9BG"
    assert validate_key(raw) == "W3GNR-8DDXR-2TFRP-H8P33-DV9BG"


GOOD = "W3GNR-8DDXR-2TFRP-H8P33-DV9BG"


def _with(position: int, char: str, key: str = GOOD) -> str:
    """The key with the character at `position` (0-based, dashes not counted) replaced."""
    compact = key.replace("-", "")
    compact = compact[:position] + char + compact[position + 1 :]
    return "-".join(compact[i : i + 5] for i in range(0, 25, 5))


REJECTIONS = [
    pytest.param(GOOD[:-1], "has 24 characters", id="too-short"),
    pytest.param(GOOD + "B", "has 26 characters", id="too-long"),
    pytest.param("W3GNR-8DDXR", "has 10 characters", id="two-groups"),
    *[pytest.param(_with(1, ch), f"'{ch.upper()}'", id=f"forbidden-{ch!r}") for ch in "0O1I5SAELUZo"],
    pytest.param(_with(3, "B"), "0 letters N", id="no-N"),
    pytest.param(_with(1, "N"), "2 letters N", id="two-N"),
    pytest.param("W3GBR-8DDXR-2TFRP-H8P33-DV9BN", "ends in N", id="trailing-N"),
    pytest.param("", "empty", id="empty"),
    pytest.param("   \t ", "empty", id="blank"),
    pytest.param("-----", "empty", id="only-dashes"),
    pytest.param("garbage-" * 2000, "has 14000 characters", id="very-long-garbage"),
    pytest.param(GOOD[:-1] + "\x00", "'\\x00'", id="nul"),
    pytest.param("W3GNR-8DDXR-2TFRP-H8P33-\x1b[31m", "'\\x1b'", id="ansi-escape"),
    pytest.param("W3GNR\n8DDXR\n2TFRP\nH8P33", "has 20 characters", id="newlines-short"),
    pytest.param(GOOD[:-1] + "Ä", "'Ä'", id="umlaut"),
    pytest.param("W3GNR-8DDXR-2TFRP-H8P33-DV9ВG", "'В'", id="cyrillic-homoglyph"),
    pytest.param("Ｗ３ＧＮＲ-８ＤＤＸＲ-２ＴＦＲＰ-Ｈ８Ｐ３３-ＤＶ９ＢＧ", "never use", id="full-width"),
    # U+FB00 LATIN SMALL LIGATURE FF upper-cases to "FF": it must not sneak in as two valid letters.
    pytest.param("W3GNR-8DDXR-2TFRP-H8P33-D\ufb00V9G", "'\ufb00'", id="ligature-ff"),
    pytest.param(_with(4, "B"), "checksum", id="one-typo"),
]


@pytest.mark.parametrize(("raw", "problem"), REJECTIONS)
def test_rejections_name_the_problem_on_one_line(raw: str, problem: str) -> None:
    with pytest.raises(InvalidProductKeyError) as caught:
        validate_key(raw)
    message = str(caught.value)
    assert problem in message
    assert "\n" not in message
    assert "\r" not in message
    assert message.isprintable()
    assert len(message) < 300  # bounded whatever was typed
    assert not is_valid_key(raw)


def test_ligature_ff_is_not_read_as_two_letters() -> None:
    # A genuine key containing "FF", typed with the ligature U+FB00 (which str.upper() turns into "FF").
    key = next(
        k for k in (_encode(_with_valid_checksum(seed * 0x9E3779B97F4A7C15)) for seed in range(1, 2000)) if "FF" in k
    )
    assert validate_key(key) == key
    ligature = key.replace("FF", "\ufb00", 1)
    with pytest.raises(InvalidProductKeyError, match="\ufb00"):
        validate_key(ligature)


def test_rejection_message_names_the_offending_input() -> None:
    with pytest.raises(InvalidProductKeyError) as caught:
        validate_key("W3GNR-8DDXR-2TFRP-H8P33")
    assert "W3GNR-8DDXR-2TFRP-H8P33" in str(caught.value)
    with pytest.raises(InvalidProductKeyError) as caught:
        validate_key(_with(4, "B"))
    assert _with(4, "B") in str(caught.value)


def _one_character_typos(key: str) -> list[str]:
    """Every single substitution that keeps the format valid: non-N positions, other alphabet letters."""
    compact = key.replace("-", "")
    typos = []
    for position, original in enumerate(compact):
        if original == "N":
            continue  # replacing the N leaves no N (a format error, not a typo the checksum must catch)
        for char in KEY_ALPHABET:
            if char != original:
                typos.append(compact[:position] + char + compact[position + 1 :])
    return typos


def test_one_character_typos_are_rejected_about_1023_in_1024(capsys: pytest.CaptureFixture[str]) -> None:
    total = rejected = 0
    for key in UNIQUE_AVMA_KEYS:
        typos = _one_character_typos(key)
        assert len(typos) == 24 * 23
        for typo in typos:
            normalize_key(typo)  # the format is fine: only the checksum can catch it
            total += 1
            rejected += not is_valid_key(typo)
    rate = rejected / total
    per_1024 = 1024 * rate
    with capsys.disabled():
        print(
            f"\none-character typos of {len(UNIQUE_AVMA_KEYS)} AVMA keys: {rejected}/{total} rejected "
            f"= {rate:.3%}, about {math.floor(per_1024)} in 1024 ({per_1024:.1f})"
        )
    assert total == len(UNIQUE_AVMA_KEYS) * 24 * 23
    assert rate >= 0.995
    assert math.floor(per_1024) >= 1023  # a 10-bit checksum: about 1023 in 1024


def _value(key: str) -> int:
    """The 128-bit value from decode_key's fields (facts: group 20, serial 30, security 53, checksum 10, ...)."""
    fields = decode_key(key)
    return (
        fields.group
        | fields.serial << 20
        | fields.security << 50
        | fields.checksum << 103
        | int(fields.upgrade) << 113
        | int(fields.extra) << 114
    )


def _encode(value: int) -> str:
    """Independent encoder: 25 base-24 digits, the first one is the N's position (avma-facts.md)."""
    digits = []
    for _ in range(25):
        value, digit = divmod(value, 24)
        digits.append(digit)
    assert value == 0
    digits.reverse()
    chars = [KEY_ALPHABET[d] for d in digits[1:]]
    chars.insert(digits[0], "N")
    compact = "".join(chars)
    return "-".join(compact[i : i + 5] for i in range(0, 25, 5))


def _with_valid_checksum(seed: int) -> int:
    value = seed % (24**24)  # N in front: always a 25-character key whose last character is not N
    value &= ~(0x3FF << 103)
    return value | key_checksum(value) << 103


@pytest.mark.parametrize("key", UNIQUE_AVMA_KEYS)
def test_decode_key_round_trips(key: str) -> None:
    value = _value(key)
    assert key_checksum(value) == decode_key(key).checksum
    assert _encode(value) == key


def test_decode_key_of_a_typo_shows_a_checksum_mismatch() -> None:
    typo = _with(4, "B")
    fields = decode_key(typo)  # decoding does not judge the checksum...
    assert key_checksum(_value(typo)) != fields.checksum  # ...but the fields show the mismatch


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("W3GNR-8DDXR-2TFRP-H8P33-DV9BG", "XXXXX-XXXXX-XXXXX-XXXXX-DV9BG"),
        ("w3gnr 8ddxr 2tfrp h8p33 dv9bg", "XXXXX-XXXXX-XXXXX-XXXXX-DV9BG"),
        ("abc", "XXXXX"),
    ],
)
def test_mask_key_shows_only_the_last_five(key: str, masked: str) -> None:
    assert mask_key(key) == masked


# ---------------------------------------------------------------------------------------------------------
# Properties


def _attempt(check: Callable[[str], str], text: str) -> tuple[str | None, str | None]:
    """(result, None) or (None, message): only InvalidProductKeyError may escape `check`."""
    try:
        return check(text), None
    except InvalidProductKeyError as error:
        return None, str(error)


@FAST
@given(st.text())
def test_normalize_key_raises_only_invalid_product_key_error(text: str) -> None:
    normalized, problem = _attempt(normalize_key, text)
    if normalized is None:
        assert problem
        assert "\n" not in problem
        assert problem.isprintable()
        return
    assert KEY_SHAPE.fullmatch(normalized)
    assert normalized.count("N") == 1
    assert not normalized.endswith("N")
    assert normalize_key(normalized) == normalized


@FAST
@given(st.text(alphabet=KEY_ALPHABET + "Nn -\t" + KEY_ALPHABET.lower(), max_size=40))
def test_validate_key_on_near_keys(text: str) -> None:
    validated, problem = _attempt(validate_key, text)
    assert (validated is None) != (problem is None)
    if avma_products_for_key(text):
        assert validated is not None


@FAST
@given(body=st.text(alphabet=KEY_ALPHABET, min_size=24, max_size=24), n_at=st.integers(0, 23))
def test_well_formed_keys_fail_only_on_the_checksum(body: str, n_at: int) -> None:
    key = body[:n_at] + "N" + body[n_at:]
    normalized = normalize_key(key)
    assert normalized.replace("-", "") == key
    validated, problem = _attempt(validate_key, key)
    assert validated == normalized or "checksum" in (problem or "")


@FAST
@given(st.text(), st.one_of(st.none(), st.text()))
def test_lookups_never_raise(text: str, partial: str | None) -> None:
    avma_products_for_key(text)
    avma_products_for_partial_key(text)
    assert isinstance(channel_from_description(text, partial), KeyChannel)
