"""Windows Server versions and editions, and how to recognise them from what a host or guest reports.

Unknown builds and SKUs stay unknown (`None`): the console never guesses a version it cannot prove,
because a wrong guess would make it recommend the wrong AVMA key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from avma_console.domain.pickling import by_fields


class ServerVersion(StrEnum):
    """A Windows Server release, named as in the JSON contract."""

    V2012R2 = "2012R2"
    V2016 = "2016"
    V1709 = "1709"
    V1803 = "1803"
    V1809 = "1809"
    V1903 = "1903"
    V1909 = "1909"
    V2019 = "2019"
    V2022 = "2022"
    V2025 = "2025"

    @property
    def label(self) -> str:
        """How people write it: "2012 R2", "2022", "1809"."""
        return "2012 R2" if self is ServerVersion.V2012R2 else self.value

    @property
    def avma_family(self) -> ServerVersion:
        """The long-term release whose keys and matrix position a semi-annual release shares."""
        return _AVMA_FAMILY.get(self, self)

    @property
    def is_semi_annual(self) -> bool:
        return self in _AVMA_FAMILY

    @property
    def build(self) -> int:
        return _BUILD_OF[self]


# The five long-term releases, oldest first: their order is what the compatibility matrix compares.
MAIN_VERSIONS: tuple[ServerVersion, ...] = (
    ServerVersion.V2012R2,
    ServerVersion.V2016,
    ServerVersion.V2019,
    ServerVersion.V2022,
    ServerVersion.V2025,
)

_AVMA_FAMILY: dict[ServerVersion, ServerVersion] = {
    ServerVersion.V1709: ServerVersion.V2016,
    ServerVersion.V1803: ServerVersion.V2016,
    ServerVersion.V1809: ServerVersion.V2019,
    ServerVersion.V1903: ServerVersion.V2019,
    ServerVersion.V1909: ServerVersion.V2019,
}

_BUILD_OF: dict[ServerVersion, int] = {
    ServerVersion.V2012R2: 9600,
    ServerVersion.V2016: 14393,
    ServerVersion.V1709: 16299,
    ServerVersion.V1803: 17134,
    ServerVersion.V1809: 17763,
    ServerVersion.V1903: 18362,
    ServerVersion.V1909: 18363,
    ServerVersion.V2019: 17763,
    ServerVersion.V2022: 20348,
    ServerVersion.V2025: 26100,
}

# 17763 is both 2019 (long-term) and 1809 (semi-annual); the long-term release is listed last so it wins
# unless the SKU or caption proves a semi-annual installation.
VERSION_BY_BUILD: dict[int, ServerVersion] = {build: version for version, build in _BUILD_OF.items()}


class Edition(StrEnum):
    """A Windows Server edition, named as in the JSON contract."""

    DATACENTER = "Datacenter"
    DATACENTER_AZURE = "DatacenterAzure"
    STANDARD = "Standard"
    ESSENTIALS = "Essentials"
    DATACENTER_EVALUATION = "DatacenterEvaluation"
    STANDARD_EVALUATION = "StandardEvaluation"

    @property
    def label(self) -> str:
        return _EDITION_LABELS[self]

    @property
    def can_host_avma(self) -> bool:
        """Only licensed Datacenter editions activate guests; evaluation editions must be converted first."""
        return self in (Edition.DATACENTER, Edition.DATACENTER_AZURE)

    @property
    def is_evaluation(self) -> bool:
        return self in (Edition.DATACENTER_EVALUATION, Edition.STANDARD_EVALUATION)


_EDITION_LABELS: dict[Edition, str] = {
    Edition.DATACENTER: "Datacenter",
    Edition.DATACENTER_AZURE: "Datacenter: Azure Edition",
    Edition.STANDARD: "Standard",
    Edition.ESSENTIALS: "Essentials",
    Edition.DATACENTER_EVALUATION: "Datacenter Evaluation",
    Edition.STANDARD_EVALUATION: "Standard Evaluation",
}

# Win32_OperatingSystem.OperatingSystemSKU / KVP OSEditionId (winnt.h PRODUCT_* constants).
EDITION_BY_SKU: dict[int, Edition] = {
    7: Edition.STANDARD,
    8: Edition.DATACENTER,
    12: Edition.DATACENTER,  # PRODUCT_DATACENTER_SERVER_CORE (pre-2012 numbering, still reported by some images)
    13: Edition.STANDARD,  # PRODUCT_STANDARD_SERVER_CORE
    50: Edition.ESSENTIALS,  # PRODUCT_SB_SOLUTION_SERVER
    79: Edition.STANDARD_EVALUATION,
    80: Edition.DATACENTER_EVALUATION,
    145: Edition.DATACENTER,  # semi-annual channel, Server Core
    146: Edition.STANDARD,  # semi-annual channel, Server Core
    407: Edition.DATACENTER_AZURE,
    408: Edition.DATACENTER_AZURE,  # Server Core
}
_SEMI_ANNUAL_SKUS = frozenset({145, 146})

# KVP ProductType / Win32_OperatingSystem.ProductType: 1 workstation, 2 domain controller, 3 server.
PRODUCT_TYPE_WORKSTATION = 1


@by_fields
@dataclass(frozen=True, slots=True)
class OsIdentity:
    """What is known about an installed Windows: each field None where the evidence does not say."""

    version: ServerVersion | None
    edition: Edition | None
    is_server: bool | None
    build: int | None
    caption: str | None = None

    @property
    def is_known_server(self) -> bool:
        return self.is_server is True and self.version is not None


def _to_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[0-9]{1,9}", text):
            return int(text)
    return None


_CAPTION_VERSION = re.compile(r"\bServer\s+(2012\s*R2|2016|2019|2022|2025)\b", re.IGNORECASE)
_DESKTOP_CAPTION = re.compile(r"\bWindows\s+(7|8|8\.1|10|11|Vista|XP)\b", re.IGNORECASE)


def _edition_from_caption(caption: str) -> Edition | None:
    text = caption.casefold()
    evaluation = "evaluation" in text
    if "azure edition" in text:
        return Edition.DATACENTER_AZURE
    if "datacenter" in text:
        return Edition.DATACENTER_EVALUATION if evaluation else Edition.DATACENTER
    if "standard" in text:
        return Edition.STANDARD_EVALUATION if evaluation else Edition.STANDARD
    if "essentials" in text:
        return Edition.ESSENTIALS
    return None


def _version_from_caption(caption: str) -> ServerVersion | None:
    match = _CAPTION_VERSION.search(caption)
    if match is None:
        return None
    return ServerVersion(re.sub(r"\s+", "", match.group(1)).upper())


def identify_os(
    caption: str | None = None,
    build: object = None,
    sku: object = None,
    product_type: object = None,
) -> OsIdentity:
    """Recognise a Windows installation from Win32_OperatingSystem-style facts.

    The build number decides the version (captions are localized and can be edited); the caption only
    separates 2019 from its semi-annual twin 1809 and fills gaps. The SKU decides the edition.
    """
    build_number = _to_int(build)
    sku_number = _to_int(sku)
    caption_text = (caption or "").strip() or None
    caption_version = _version_from_caption(caption_text) if caption_text else None

    version = VERSION_BY_BUILD.get(build_number) if build_number is not None else None
    if build_number is None:
        version = caption_version
    elif version is ServerVersion.V2019 and sku_number in _SEMI_ANNUAL_SKUS:
        version = ServerVersion.V1809
    elif (
        version is ServerVersion.V2019
        and caption_text
        and caption_version is None
        and "server" in caption_text.casefold()
    ):
        # Semi-annual releases call themselves "Windows Server Datacenter", without a year.
        version = ServerVersion.V1809

    edition = EDITION_BY_SKU.get(sku_number) if sku_number is not None else None
    if edition is None and sku_number is None and caption_text:
        edition = _edition_from_caption(caption_text)

    is_server: bool | None = None
    if _to_int(product_type) == PRODUCT_TYPE_WORKSTATION or (caption_text and _DESKTOP_CAPTION.search(caption_text)):
        is_server = False
    elif (
        _to_int(product_type) in (2, 3) or (caption_text and "server" in caption_text.casefold()) or edition is not None
    ):
        is_server = True

    if is_server is False:
        version, edition = None, None
    return OsIdentity(version=version, edition=edition, is_server=is_server, build=build_number, caption=caption_text)


def identify_guest_from_kvp(intrinsic: Mapping[str, str]) -> OsIdentity:
    """Recognise a guest's Windows from its KVP intrinsic items (OSBuildNumber, OSVersion, OSEditionId, OSName).

    These items are written inside the guest, so they are tenant-controlled: they are parsed strictly and
    anything malformed counts as unknown.
    """
    build: object = intrinsic.get("OSBuildNumber")
    if _to_int(build) is None:
        os_version = intrinsic.get("OSVersion", "")
        match = re.fullmatch(r"\s*\d+\.\d+\.(\d{1,9})\s*", os_version or "")
        build = match.group(1) if match else None
    return identify_os(
        caption=intrinsic.get("OSName"),
        build=build,
        sku=intrinsic.get("OSEditionId"),
        product_type=intrinsic.get("ProductType"),
    )


def parse_version(text: str) -> ServerVersion:
    """Parse a version as operators type it ("2012 R2", "2012r2", "2022"); ValueError names the choices."""
    cleaned = re.sub(r"\s+", "", text).upper()
    try:
        return ServerVersion(cleaned)
    except ValueError:
        choices = ", ".join(v.value for v in ServerVersion)
        raise ValueError(f"unknown Windows Server version {text!r}; expected one of {choices}") from None


def parse_edition(text: str) -> Edition:
    """Parse an edition name case-insensitively, also accepting the labels ("Datacenter: Azure Edition")."""
    folded = re.sub(r"[\s:_-]+", "", text).casefold()
    for edition in Edition:
        if folded in (edition.value.casefold(), re.sub(r"[\s:_-]+", "", edition.label).casefold()):
            return edition
    if folded == "datacenterazureedition":
        return Edition.DATACENTER_AZURE
    choices = ", ".join(e.value for e in Edition)
    raise ValueError(f"unknown Windows Server edition {text!r}; expected one of {choices}")
