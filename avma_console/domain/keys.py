"""AVMA keys (public generic keys) and Windows product-key validation.

The key table is data: a new release is one edit of `AVMA_KEYS`. Many public "AVMA key" lists actually
contain KMS client keys (GVLKs); only the keys below are AVMA keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from avma_console.domain.i18n import tr_text
from avma_console.domain.versions import Edition, ServerVersion

V = ServerVersion
E = Edition

# (version, edition) -> AVMA key. Semi-annual releases repeat the keys of their long-term family.
AVMA_KEYS: dict[tuple[ServerVersion, Edition], str] = {
    (V.V2025, E.DATACENTER): "YQB4H-NKHHJ-Q6K4R-4VMY6-VCH67",
    (V.V2025, E.DATACENTER_AZURE): "6NMQ9-T38WF-6MFGM-QYGYM-88J4F",
    (V.V2025, E.STANDARD): "WWVGQ-PNHV9-B89P4-8GGM9-9HPQ4",
    (V.V2022, E.DATACENTER): "W3GNR-8DDXR-2TFRP-H8P33-DV9BG",
    (V.V2022, E.DATACENTER_AZURE): "F7TB6-YKN8Y-FCC6R-KQ484-VMK3J",
    (V.V2022, E.STANDARD): "YDFWN-MJ9JR-3DYRK-FXXRW-78VHK",
    (V.V2019, E.DATACENTER): "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW",
    (V.V2019, E.STANDARD): "TNK62-RXVTB-4P47B-2D623-4GF74",
    (V.V2019, E.ESSENTIALS): "2CTP7-NHT64-BP62M-FV6GG-HFV28",
    (V.V1909, E.DATACENTER): "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW",
    (V.V1909, E.STANDARD): "TNK62-RXVTB-4P47B-2D623-4GF74",
    (V.V1903, E.DATACENTER): "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW",
    (V.V1903, E.STANDARD): "TNK62-RXVTB-4P47B-2D623-4GF74",
    (V.V1809, E.DATACENTER): "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW",
    (V.V1809, E.STANDARD): "TNK62-RXVTB-4P47B-2D623-4GF74",
    (V.V1803, E.DATACENTER): "TMJ3Y-NTRTM-FJYXT-T22BY-CWG3J",
    (V.V1803, E.STANDARD): "C3RCX-M6NRP-6CXC9-TW2F2-4RHYD",
    (V.V1709, E.DATACENTER): "TMJ3Y-NTRTM-FJYXT-T22BY-CWG3J",
    (V.V1709, E.STANDARD): "C3RCX-M6NRP-6CXC9-TW2F2-4RHYD",
    (V.V2016, E.DATACENTER): "TMJ3Y-NTRTM-FJYXT-T22BY-CWG3J",
    (V.V2016, E.STANDARD): "C3RCX-M6NRP-6CXC9-TW2F2-4RHYD",
    (V.V2016, E.ESSENTIALS): "B4YNW-62DX9-W8V6M-82649-MHBKQ",
    (V.V2012R2, E.DATACENTER): "Y4TGP-NPTV9-HTC2H-7MGQ3-DV4TW",
    (V.V2012R2, E.STANDARD): "DBGBW-NPF86-BJVTX-K3WKJ-MTB6V",
    (V.V2012R2, E.ESSENTIALS): "K2XGM-NMBT3-2R6Q8-WF2FK-P36R2",
}


class KeyChannel(StrEnum):
    """How an installed key licenses Windows (from SoftwareLicensingProduct.Description)."""

    AVMA = "avma"
    KMS = "kms"
    MAK = "mak"
    RETAIL = "retail"
    OEM = "oem"
    UNKNOWN = "unknown"


# Substrings of SoftwareLicensingProduct.Description, most specific first. AVMA's exact full string is
# unconfirmed; VIRTUAL_MACHINE_ACTIVATION is the documented part.
_CHANNEL_MARKERS: tuple[tuple[str, KeyChannel], ...] = (
    ("VIRTUAL_MACHINE_ACTIVATION", KeyChannel.AVMA),
    ("VOLUME_KMSCLIENT", KeyChannel.KMS),
    ("VOLUME_KMS", KeyChannel.KMS),
    ("VOLUME_MAK", KeyChannel.MAK),
    ("OEM_", KeyChannel.OEM),
    ("RETAIL", KeyChannel.RETAIL),
)


def channel_from_description(description: str | None, partial_key: str | None = None) -> KeyChannel:
    """Classify an installed key by its licence description, falling back on the AVMA partial keys."""
    text = (description or "").upper()
    for marker, channel in _CHANNEL_MARKERS:
        if marker in text:
            return channel
    if partial_key and avma_products_for_partial_key(partial_key):
        return KeyChannel.AVMA
    return KeyChannel.UNKNOWN


def avma_key_for(version: ServerVersion, edition: Edition) -> str | None:
    """The AVMA key a guest of this version and edition must carry, or None where AVMA has none."""
    return AVMA_KEYS.get((version, edition))


def avma_products_for_key(key: str) -> list[tuple[ServerVersion, Edition]]:
    """Every (version, edition) whose AVMA key this is (semi-annual twins included); [] for other keys."""
    try:
        normalized = normalize_key(key)
    except InvalidProductKeyError:
        return []
    return [product for product, avma_key in AVMA_KEYS.items() if avma_key == normalized]


def avma_products_for_partial_key(partial_key: str) -> list[tuple[ServerVersion, Edition]]:
    """Which AVMA keys end in these five characters (SoftwareLicensingProduct.PartialProductKey)."""
    tail = partial_key.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{5}", tail):
        return []
    return [product for product, avma_key in AVMA_KEYS.items() if avma_key.endswith(tail)]


def is_avma_partial_key(partial_key: str) -> bool:
    return bool(avma_products_for_partial_key(partial_key))


# ---------------------------------------------------------------------------------------------------------
# Product key format and checksum

KEY_ALPHABET = "BCDFGHJKMPQRTVWXY2346789"
_CHECKSUM_SHIFT = 103
_CHECKSUM_MASK = 0x3FF


class InvalidProductKeyError(ValueError):
    """A product key that is not well-formed; the message (`args[0]`, a translatable Text) says what is wrong."""


@dataclass(frozen=True, slots=True)
class ProductKeyFields:
    """The fields encoded in a Windows 8+ product key."""

    group: int
    serial: int
    security: int
    checksum: int
    upgrade: bool
    extra: bool


def normalize_key(text: str) -> str:
    """Upper-case, drop spaces and dashes, check the shape; return the key as XXXXX-XXXXX-XXXXX-XXXXX-XXXXX.

    The checksum is not checked here (see `validate_key`).
    """
    # ASCII letters only: str.upper() maps some non-ASCII letters onto key letters (U+FB00 ligature -> "FF").
    compact = "".join(ch.upper() if ch.isascii() else ch for ch in re.sub(r"[\s\-]+", "", text))
    shown = _shorten(text)
    if not compact:
        raise InvalidProductKeyError(
            tr_text(
                "ProductKey", "the product key is empty; a key has 25 characters such as XXXXX-XXXXX-XXXXX-XXXXX-XXXXX"
            )
        )
    if len(compact) != 25:
        raise InvalidProductKeyError(
            tr_text(
                "ProductKey",
                "{key} has {count} characters; a product key has 25 (five groups of five)",
                key=shown,
                count=str(len(compact)),
            )
        )
    bad = sorted({ch for ch in compact if ch not in KEY_ALPHABET and ch != "N"})
    if bad:
        listed = ", ".join(repr(ch) for ch in bad)
        raise InvalidProductKeyError(
            tr_text(
                "ProductKey",
                "{key} contains {characters}, which product keys never use (allowed: {alphabet} and one N; look for "
                "0/O, 1/I, 5/S mix-ups)",
                key=shown,
                characters=listed,
                alphabet=KEY_ALPHABET,
            )
        )
    n_count = compact.count("N")
    if n_count != 1:
        raise InvalidProductKeyError(
            tr_text(
                "ProductKey",
                "{key} has {count} letters N; a Windows product key has exactly one",
                key=shown,
                count=str(n_count),
            )
        )
    if compact[-1] == "N":
        raise InvalidProductKeyError(
            tr_text("ProductKey", "{key} ends in N, which no valid product key does", key=shown)
        )
    return "-".join(compact[i : i + 5] for i in range(0, 25, 5))


def _shorten(text: str) -> str:
    # Keys are not secrets in general, but the message must stay one line and bounded whatever was typed.
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return repr(printable if len(printable) <= 40 else printable[:37] + "...")


def decode_key(text: str) -> ProductKeyFields:
    """Decode a Windows 8+ product key into its fields (raises InvalidProductKeyError on a malformed key)."""
    value = _key_value(normalize_key(text))
    return ProductKeyFields(
        group=value & 0xFFFFF,
        serial=(value >> 20) & 0x3FFFFFFF,
        security=(value >> 50) & ((1 << 53) - 1),
        checksum=(value >> _CHECKSUM_SHIFT) & _CHECKSUM_MASK,
        upgrade=bool((value >> 113) & 1),
        extra=bool((value >> 114) & 1),
    )


def _key_value(normalized: str) -> int:
    compact = normalized.replace("-", "")
    # The N's position is the most significant base-24 digit; the other 24 characters follow in order.
    digits = [compact.index("N")] + [KEY_ALPHABET.index(ch) for ch in compact if ch != "N"]
    value = 0
    for digit in digits:
        value = value * 24 + digit
    return value


def key_checksum(value: int) -> int:
    """The 10-bit checksum a key's 128-bit value should carry (CRC-32/MPEG-2 with final NOT, & 0x3FF)."""
    cleared = value & ~(_CHECKSUM_MASK << _CHECKSUM_SHIFT)
    return (~_crc32_mpeg2(cleared.to_bytes(16, "little"))) & _CHECKSUM_MASK


def _crc32_mpeg2(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    return crc


def validate_key(text: str) -> str:
    """Return the normalized key, or raise InvalidProductKeyError saying what is wrong (format or checksum)."""
    normalized = normalize_key(text)
    value = _key_value(normalized)
    if value >> 128:
        raise InvalidProductKeyError(
            tr_text("ProductKey", "{key} does not decode to a 128-bit key value; check for a typo", key=normalized)
        )
    stored = (value >> _CHECKSUM_SHIFT) & _CHECKSUM_MASK
    if stored != key_checksum(value):
        raise InvalidProductKeyError(
            tr_text(
                "ProductKey",
                "{key} fails the product-key checksum: at least one character is mistyped",
                key=normalized,
            )
        )
    return normalized


def is_valid_key(text: str) -> bool:
    try:
        validate_key(text)
    except InvalidProductKeyError:
        return False
    return True


def mask_key(key: str) -> str:
    """Show only the last five characters, as WMI's PartialProductKey does."""
    compact = re.sub(r"[\s\-]+", "", key).upper()
    return "XXXXX-XXXXX-XXXXX-XXXXX-" + compact[-5:] if len(compact) >= 5 else "XXXXX"
