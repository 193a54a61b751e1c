"""Versions and editions: from what a host or guest reports to the OsIdentity every other rule relies on.

Expected values are written out from reference/avma-facts.md ("Host facts", "Key-value pair exchange"),
never derived from the code under test.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avma_console.domain.versions import (
    Edition,
    ServerVersion,
    identify_guest_from_kvp,
    identify_os,
    parse_edition,
    parse_version,
)

FAST = settings(max_examples=300, deadline=None, database=None)

# avma-facts.md, "Host facts": Builds.
FACTS_BUILDS: dict[int, str] = {
    9600: "2012R2",
    14393: "2016",
    16299: "1709",
    17134: "1803",
    17763: "2019",  # also 1809: see test_17763_is_2019_unless_sku_or_caption_proves_1809
    18362: "1903",
    18363: "1909",
    20348: "2022",
    26100: "2025",
}

# avma-facts.md, "Host facts": SKUs.
FACTS_SKUS: dict[int, str] = {
    7: "Standard",
    8: "Datacenter",
    79: "StandardEvaluation",
    80: "DatacenterEvaluation",
    145: "Datacenter",  # semi-annual channel, Server Core
    146: "Standard",  # semi-annual channel, Server Core
    407: "DatacenterAzure",
    408: "DatacenterAzure",  # its Server Core
}


def _version(identity_version: ServerVersion | None) -> str | None:
    return identity_version.value if identity_version is not None else None


def _edition(identity_edition: Edition | None) -> str | None:
    return identity_edition.value if identity_edition is not None else None


# ---------------------------------------------------------------------------------------------------------
# Builds and SKUs


@pytest.mark.parametrize(
    ("build", "version"), FACTS_BUILDS.items(), ids=[f"{b}-is-{v}" for b, v in FACTS_BUILDS.items()]
)
def test_every_build_in_the_facts_identifies_its_version(build: int, version: str) -> None:
    as_int = identify_os(build=build, sku=8, product_type=3)
    as_text = identify_os(build=f" {build} ", sku="8", product_type="3")  # WMI/JSON often hands over strings

    for identity in (as_int, as_text):
        assert _version(identity.version) == version
        assert identity.build == build
        assert identity.is_server is True
        assert identity.is_known_server


@pytest.mark.parametrize(("sku", "edition"), FACTS_SKUS.items(), ids=[f"sku{s}-is-{e}" for s, e in FACTS_SKUS.items()])
def test_every_sku_in_the_facts_identifies_its_edition(sku: int, edition: str) -> None:
    assert _edition(identify_os(build=20348, sku=sku).edition) == edition
    assert _edition(identify_os(build="20348", sku=str(sku)).edition) == edition


@pytest.mark.parametrize(
    ("edition", "hosts_avma"),
    [
        ("Datacenter", True),
        ("DatacenterAzure", True),
        ("Standard", False),
        ("Essentials", False),
        # "Evaluation editions are not Datacenter for AVMA purposes until converted."
        ("DatacenterEvaluation", False),
        ("StandardEvaluation", False),
    ],
)
def test_only_licensed_datacenter_editions_can_host_avma(edition: str, hosts_avma: bool) -> None:
    assert Edition(edition).can_host_avma is hosts_avma
    assert Edition(edition).is_evaluation is edition.endswith("Evaluation")


@pytest.mark.parametrize(
    ("caption", "sku", "version", "edition"),
    [
        pytest.param(None, 8, "2019", "Datacenter", id="sku8-longterm-2019"),
        pytest.param(None, 7, "2019", "Standard", id="sku7-longterm-2019"),
        pytest.param(None, 80, "2019", "DatacenterEvaluation", id="sku80-eval-2019"),
        pytest.param(None, 145, "1809", "Datacenter", id="sku145-sac-core-1809"),
        pytest.param(None, 146, "1809", "Standard", id="sku146-sac-core-1809"),
        pytest.param(None, None, "2019", None, id="no-evidence-longterm-wins"),
        pytest.param("Microsoft Windows Server Datacenter", None, "1809", "Datacenter", id="yearless-caption-1809"),
        pytest.param("Microsoft Windows Server Standard", None, "1809", "Standard", id="yearless-caption-std-1809"),
        pytest.param("Microsoft Windows Server 2019 Datacenter", None, "2019", "Datacenter", id="caption-2019"),
        pytest.param("Microsoft Windows Server 2019 Standard", 7, "2019", "Standard", id="caption-2019-sku7"),
    ],
)
def test_17763_is_2019_unless_sku_or_caption_proves_1809(
    caption: str | None, sku: int | None, version: str, edition: str | None
) -> None:
    identity = identify_os(caption=caption, build=17763, sku=sku, product_type=3)
    assert _version(identity.version) == version
    assert _edition(identity.edition) == edition


def test_yearless_caption_on_other_builds_follows_the_build() -> None:
    # Only 17763 is ambiguous; 18363 is always 1909 whatever the caption says.
    identity = identify_os(caption="Microsoft Windows Server Datacenter", build=18363)
    assert identity.version is ServerVersion.V1909


# ---------------------------------------------------------------------------------------------------------
# Captions (Win32_OperatingSystem.Caption / KVP OSName)


@pytest.mark.parametrize(
    ("caption", "build", "version", "edition"),
    [
        pytest.param("Microsoft Windows Server 2022 Datacenter", 20348, "2022", "Datacenter", id="2022-dc"),
        pytest.param(
            "Microsoft Windows Server 2022 Datacenter: Azure Edition", 20348, "2022", "DatacenterAzure", id="2022-azure"
        ),
        pytest.param(
            "Microsoft Windows Server 2022 Datacenter Evaluation",
            20348,
            "2022",
            "DatacenterEvaluation",
            id="2022-dc-eval",
        ),
        pytest.param(
            "Microsoft Windows Server 2019 Standard Evaluation", 17763, "2019", "StandardEvaluation", id="2019-std-eval"
        ),
        pytest.param("Microsoft Windows Server 2016 Essentials", 14393, "2016", "Essentials", id="2016-essentials"),
        pytest.param("Microsoft Windows Server 2012 R2 Datacenter", 9600, "2012R2", "Datacenter", id="2012r2-dc"),
        pytest.param("Microsoft Windows Server 2025 Standard", 26100, "2025", "Standard", id="2025-std"),
        pytest.param("  microsoft windows server 2022 DATACENTER  ", 20348, "2022", "Datacenter", id="odd-case-spaces"),
        # Without a build the caption fills the gap.
        pytest.param("Microsoft Windows Server 2012 R2 Standard", None, "2012R2", "Standard", id="caption-only-2012r2"),
        pytest.param("Microsoft Windows Server 2025 Datacenter", None, "2025", "Datacenter", id="caption-only-2025"),
        # 2012 (not R2) is no AVMA version and must not be taken for 2012 R2.
        pytest.param("Microsoft Windows Server 2012 Datacenter", None, None, "Datacenter", id="2012-is-not-2012r2"),
    ],
)
def test_captions(caption: str, build: int | None, version: str | None, edition: str) -> None:
    identity = identify_os(caption=caption, build=build)
    assert _version(identity.version) == version
    assert _edition(identity.edition) == edition
    assert identity.is_server is True
    assert identity.caption == caption.strip()


@pytest.mark.parametrize(
    ("caption", "build", "sku", "version", "edition"),
    [
        # Captions are localized; the build decides the version and the SKU the edition.
        pytest.param("Microsoft Windows Server 2022 Datacenter", 20348, 8, "2022", "Datacenter", id="de-2022-dc"),
        pytest.param(
            "Microsoft Windows Server 2022 Datacenter (Testversion)",
            20348,
            80,
            "2022",
            "DatacenterEvaluation",
            id="de-testversion-sku80",
        ),
        pytest.param(
            "Microsoft Windows Server 2019 Standard – Testversion",
            17763,
            79,
            "2019",
            "StandardEvaluation",
            id="de-testversion-sku79",
        ),
        pytest.param(
            "Microsoft Windows Server 2016 Datacenter (Auswertung, geändert)",
            14393,
            8,
            "2016",
            "Datacenter",
            id="de-umlauts",
        ),
        pytest.param("Microsoft Windows Server Datacenter", 17763, None, "1809", "Datacenter", id="de-yearless-1809"),
        # A caption that lies about the year loses to the build number.
        pytest.param("Microsoft Windows Server 2016 Standard", 20348, 7, "2022", "Standard", id="build-beats-caption"),
    ],
)
def test_localized_captions_do_not_override_build_and_sku(
    caption: str, build: int, sku: int | None, version: str, edition: str
) -> None:
    identity = identify_os(caption=caption, build=build, sku=sku, product_type=3)
    assert _version(identity.version) == version
    assert _edition(identity.edition) == edition


@pytest.mark.parametrize(
    ("caption", "build", "sku", "product_type"),
    [
        pytest.param("Microsoft Windows 10 Pro", 19045, 48, 1, id="win10-pro"),
        pytest.param("Microsoft Windows 10 Pro für Workstations", 19045, 161, 1, id="win10-de"),
        pytest.param("Microsoft Windows 11 Enterprise", 22631, 4, 1, id="win11-enterprise"),
        # Windows 11 24H2 shares build 26100 with Server 2025; ProductType 1 says it is a workstation.
        pytest.param(None, 26100, 4, 1, id="win11-24h2-build-26100"),
        # Windows 10 1809 shares build 17763 with Server 2019.
        pytest.param(None, 17763, 4, "1", id="win10-1809-build-17763"),
        pytest.param("Microsoft Windows 10 Enterprise", None, None, None, id="caption-only"),
        pytest.param("Microsoft Windows 8.1 Pro", 9600, 48, None, id="win81-build-9600"),
    ],
)
def test_desktop_windows_is_not_a_server_and_gets_no_version(
    caption: str | None, build: int | None, sku: int | None, product_type: object
) -> None:
    identity = identify_os(caption=caption, build=build, sku=sku, product_type=product_type)
    assert identity.is_server is False
    assert identity.version is None  # never "2025" for a Windows 11 guest
    assert identity.edition is None
    assert not identity.is_known_server


@pytest.mark.parametrize("product_type", [2, 3, "2", "3"], ids=["dc", "server", "dc-text", "server-text"])
def test_server_product_types_are_servers(product_type: object) -> None:
    assert identify_os(build=20348, product_type=product_type).is_server is True


@pytest.mark.parametrize(
    "build",
    [7601, 9200, 10240, 19045, 22631, 25398, 0, -1, -20348, 10**12, "abc", "20348.1", "1e4", "", "   ", "２０３４８"],
    ids=str,
)
def test_unknown_builds_stay_unknown(build: object) -> None:
    identity = identify_os(caption="Microsoft Windows Server 2022 Datacenter", build=build, sku=8, product_type=3)
    if isinstance(build, int):
        # A number that is not a known build is not guessed from the caption either.
        assert identity.version is None
    else:
        # Malformed text is no build number at all; only then may the caption fill the gap.
        assert identity.build is None
    assert identify_os(build=build, sku=8, product_type=3).version is None


@pytest.mark.parametrize("sku", [0, 4, 42, 48, 161, 999, -8, "x", "8.0"], ids=str)
def test_unknown_skus_stay_unknown_even_with_a_caption(sku: object) -> None:
    identity = identify_os(caption="Microsoft Windows Server 2022 Datacenter", build=20348, sku=sku, product_type=3)
    if isinstance(sku, int):
        assert identity.edition is None
    assert identify_os(build=20348, sku=sku, product_type=3).edition is None
    assert identity.version is ServerVersion.V2022


def test_nothing_known_gives_an_empty_identity() -> None:
    identity = identify_os()
    assert (identity.version, identity.edition, identity.is_server, identity.build) == (None, None, None, None)
    assert not identity.is_known_server


# ---------------------------------------------------------------------------------------------------------
# KVP intrinsic items (tenant-controlled)


@pytest.mark.parametrize(
    ("items", "version", "edition", "is_server"),
    [
        pytest.param(
            {
                "OSName": "Windows Server 2022 Datacenter",
                "OSVersion": "10.0.20348",
                "OSBuildNumber": "20348",
                "OSEditionId": "8",
                "ProductType": "3",
            },
            "2022",
            "Datacenter",
            True,
            id="full-2022",
        ),
        pytest.param({"OSVersion": "10.0.20348", "ProductType": "3"}, "2022", None, True, id="osversion-only"),
        pytest.param(
            {"OSBuildNumber": "garbage", "OSVersion": "10.0.17763"}, "2019", None, None, id="bad-build-osversion"
        ),
        pytest.param({"OSVersion": "6.3.9600", "OSEditionId": "7"}, "2012R2", "Standard", True, id="2012r2-std"),
        pytest.param({"OSBuildNumber": "17763", "OSEditionId": "145"}, "1809", "Datacenter", True, id="1809-sac-core"),
        pytest.param(
            {"OSBuildNumber": "17763", "OSName": "Windows Server Datacenter", "ProductType": "3"},
            "1809",
            "Datacenter",
            True,
            id="1809-yearless-osname",
        ),
        pytest.param(
            {"OSBuildNumber": "26100", "OSEditionId": "407"}, "2025", "DatacenterAzure", True, id="2025-azure"
        ),
        pytest.param({"OSBuildNumber": "20348", "ProductType": "2"}, "2022", None, True, id="domain-controller"),
        pytest.param(
            {"OSName": "Windows 10 Pro", "OSBuildNumber": "19045", "OSEditionId": "48", "ProductType": "1"},
            None,
            None,
            False,
            id="desktop-win10",
        ),
        pytest.param(
            {"OSName": "Windows 11 Pro", "OSBuildNumber": "26100", "ProductType": "1"}, None, None, False, id="win11"
        ),
        pytest.param({}, None, None, None, id="no-items"),
    ],
)
def test_identify_guest_from_kvp(
    items: dict[str, str], version: str | None, edition: str | None, is_server: object
) -> None:
    identity = identify_guest_from_kvp(items)
    assert _version(identity.version) == version
    assert _edition(identity.edition) == edition
    assert identity.is_server is is_server


HOSTILE_VALUES = [
    '20348"; Remove-Item C:\\ -Recurse; "',
    "$(Stop-Computer -Force)",
    "`whoami`",
    "20348\n17763",
    "99999999999999999999999",
    "-20348",
    "-8",
    "20348 OR 1=1",
    "２０３４８",  # full-width digits
    "٢٠٣٤٨",  # Arabic-Indic digits
    "20348\x00",
    "1e5",
    "0x4f4c",
    "",
]


@pytest.mark.parametrize("field", ["OSBuildNumber", "OSVersion", "OSEditionId", "ProductType"])
@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=repr)
def test_hostile_kvp_values_are_unknown_not_errors(field: str, value: str) -> None:
    identity = identify_guest_from_kvp({field: value})
    assert identity.version is None
    assert identity.edition is None
    assert identity.build is None


@pytest.mark.parametrize("value", [" 20348", "20348 ", "20348\r\n", "\t20348"], ids=repr)
def test_surrounding_whitespace_around_a_build_is_tolerated(value: str) -> None:
    assert identify_guest_from_kvp({"OSBuildNumber": value}).version is ServerVersion.V2022


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=repr)
def test_hostile_edition_id_keeps_the_proven_version(value: str) -> None:
    identity = identify_guest_from_kvp({"OSBuildNumber": "20348", "OSEditionId": value, "ProductType": "3"})
    assert identity.version is ServerVersion.V2022
    assert identity.edition is None


@pytest.mark.parametrize(
    "os_name",
    ['Windows Server"; $(Invoke-Expression evil)', "`rm -rf /`", "Windows\nServer 2022", "{host}{0}", "ü" * 5000],
    ids=["quotes-subexpr", "backticks", "newline", "braces", "huge-non-ascii"],
)
def test_hostile_os_names_never_raise(os_name: str) -> None:
    identity = identify_guest_from_kvp({"OSName": os_name, "OSBuildNumber": "20348", "OSEditionId": "8"})
    assert identity.version is ServerVersion.V2022
    assert identity.edition is Edition.DATACENTER


@FAST
@given(
    caption=st.one_of(st.none(), st.text()),
    build=st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.booleans()),
    sku=st.one_of(st.none(), st.text(), st.integers(), st.floats()),
    product_type=st.one_of(st.none(), st.text(), st.integers()),
)
def test_identify_os_never_raises_and_never_guesses(
    caption: str | None, build: object, sku: object, product_type: object
) -> None:
    identity = identify_os(caption=caption, build=build, sku=sku, product_type=product_type)
    if isinstance(build, int) and not isinstance(build, bool) and build not in FACTS_BUILDS:
        assert identity.version is None
    if isinstance(sku, int) and sku not in FACTS_SKUS and identity.edition is not None:
        # Only the few extra SKUs the code knows (pre-2012 core numbering, Essentials) may name an edition.
        assert sku in (12, 13, 50)
    if identity.is_server is False:
        assert identity.version is None


KVP_NAMES = st.sampled_from(["OSName", "OSVersion", "OSBuildNumber", "OSEditionId", "ProductType", "CSDVersion"])


@FAST
@given(items=st.dictionaries(st.one_of(KVP_NAMES, st.text()), st.text(), max_size=8))
def test_identify_guest_from_kvp_never_raises(items: dict[str, str]) -> None:
    identity = identify_guest_from_kvp(items)
    if identity.build is not None:
        assert identity.build >= 0


# ---------------------------------------------------------------------------------------------------------
# Operator input


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("2012R2", "2012R2"),
        ("2012 R2", "2012R2"),
        ("2012r2", "2012R2"),
        (" 2012  r2 ", "2012R2"),
        ("2016", "2016"),
        ("1709", "1709"),
        ("1803", "1803"),
        ("1809", "1809"),
        ("1903", "1903"),
        ("1909", "1909"),
        ("2019", "2019"),
        ("2022\n", "2022"),
        ("2025", "2025"),
    ],
    ids=repr,
)
def test_parse_version_accepts_operator_spellings(text: str, version: str) -> None:
    assert parse_version(text).value == version


@pytest.mark.parametrize(
    "text", ["2012", "Server 2022", "WS2022", "2023", "", "R2", "2022; rm -rf /", "２０２２"], ids=repr
)
def test_parse_version_rejects_with_the_choices(text: str) -> None:
    with pytest.raises(ValueError, match="version") as caught:
        parse_version(text)
    message = str(caught.value)
    assert repr(text) in message
    for choice in ("2012R2", "2016", "1709", "1803", "1809", "1903", "1909", "2019", "2022", "2025"):
        assert choice in message


@pytest.mark.parametrize(
    ("text", "edition"),
    [
        ("Datacenter", "Datacenter"),
        ("datacenter", "Datacenter"),
        ("DATACENTER ", "Datacenter"),
        ("DatacenterAzure", "DatacenterAzure"),
        ("Datacenter: Azure Edition", "DatacenterAzure"),
        ("datacenter azure edition", "DatacenterAzure"),
        ("datacenter-azure", "DatacenterAzure"),
        ("Standard", "Standard"),
        ("Essentials", "Essentials"),
        ("DatacenterEvaluation", "DatacenterEvaluation"),
        ("Datacenter Evaluation", "DatacenterEvaluation"),
        ("standard_evaluation", "StandardEvaluation"),
    ],
    ids=repr,
)
def test_parse_edition_accepts_operator_spellings(text: str, edition: str) -> None:
    assert parse_edition(text).value == edition


@pytest.mark.parametrize("text", ["Enterprise", "Pro", "Datacentre", "", "Web", "Azure", "Data center 2022"], ids=repr)
def test_parse_edition_rejects_with_the_choices(text: str) -> None:
    with pytest.raises(ValueError, match="edition") as caught:
        parse_edition(text)
    message = str(caught.value)
    assert repr(text) in message
    for choice in (
        "Datacenter",
        "DatacenterAzure",
        "Standard",
        "Essentials",
        "DatacenterEvaluation",
        "StandardEvaluation",
    ):
        assert choice in message


def test_labels_are_how_operators_write_them() -> None:
    assert ServerVersion.V2012R2.label == "2012 R2"
    assert ServerVersion.V1809.label == "1809"
    assert Edition.DATACENTER_AZURE.label == "Datacenter: Azure Edition"
    assert Edition.STANDARD_EVALUATION.label == "Standard Evaluation"


def test_json_contract_version_and_edition_strings() -> None:
    # DESIGN.md, "scan --format json": the exact strings scripts rely on.
    assert [v.value for v in ServerVersion] == [
        "2012R2",
        "2016",
        "1709",
        "1803",
        "1809",
        "1903",
        "1909",
        "2019",
        "2022",
        "2025",
    ]
    assert {e.value for e in Edition} == {
        "Datacenter",
        "DatacenterAzure",
        "Standard",
        "Essentials",
        "DatacenterEvaluation",
        "StandardEvaluation",
    }
