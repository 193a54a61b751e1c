"""The inventory file: the documented example, every validation rule with its message, and round trips."""

from __future__ import annotations

import contextlib
import dataclasses
import string
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from avma_console.domain.inventory import (
    ENTRY_KEYS,
    SETTINGS_KEYS,
    ConnectionSettings,
    Inventory,
    InventoryEntry,
    InventoryError,
    inventory_to_data,
    inventory_toml,
    parse_inventory,
)

# Verbatim from DESIGN.md, "Inventory file".
DESIGN_EXAMPLE = r"""
[defaults]
transport = "ntlm"            # basic | ntlm | kerberos | credssp | certificate
scheme = "https"              # https by default; http only with NTLM message encryption or allow_insecure = true
port = 5986
username = "CONTOSO\\svc-avma"
credential = "keyring"        # "keyring" (OS keyring, the default) | "env:VARNAME" | "prompt"
ca_bundle = "corp-ca.pem"     # optional; TLS is verified by default

[[clusters]]
name = "cl-fra-01.contoso.local"   # any reachable node or the cluster name; nodes are discovered

[[hosts]]
name = "hv-ber-07.contoso.local"
scheme = "http"
port = 5985
"""

# Verbatim from README.md, "Scanning real hosts".
README_EXAMPLE = r"""
[defaults]
transport = "ntlm"            # basic | ntlm | kerberos | credssp | certificate
scheme = "https"              # https by default; http only with a message-encrypting transport or allow_insecure
username = "CONTOSO\\svc-avma"
credential = "keyring"        # the OS keyring (default) | "env:VARNAME" | "prompt"
ca_bundle = "corp-ca.pem"     # TLS is verified by default

[[clusters]]
name = "cl-fra-01.contoso.local"   # any node or the cluster name: the other nodes are discovered

[[hosts]]
name = "hv-ber-07.contoso.local"
"""

DESIGN_DEFAULTS = ConnectionSettings(username="CONTOSO\\svc-avma", ca_bundle="corp-ca.pem")


def parse(text: str, **kwargs: Any) -> Inventory:
    return parse_inventory(text, source="corp.toml", **kwargs)


def error_of(text: str) -> str:
    with pytest.raises(InventoryError) as info:
        parse(text)
    return str(info.value)


def hosts(*tables: str, defaults: str = "") -> str:
    text = f"[defaults]\n{defaults}\n" if defaults else ""
    return text + "".join(f"[[hosts]]\n{table}\n" for table in tables)


# ---------------------------------------------------------------------------------------------------------
# The documented examples


def test_design_example_parses_to_the_expected_entries() -> None:
    inventory = parse(DESIGN_EXAMPLE)

    assert inventory.source == "corp.toml"
    assert inventory.defaults == DESIGN_DEFAULTS
    assert inventory.entries == (
        InventoryEntry("cluster", "cl-fra-01.contoso.local", None, DESIGN_DEFAULTS),
        InventoryEntry("host", "hv-ber-07.contoso.local", None, dataclasses.replace(DESIGN_DEFAULTS, scheme="http")),
    )
    assert [e.url for e in inventory.entries] == [
        "https://cl-fra-01.contoso.local:5986/wsman",
        "http://hv-ber-07.contoso.local:5985/wsman",
    ]
    assert [e.name for e in inventory.clusters] == ["cl-fra-01.contoso.local"]
    assert [e.name for e in inventory.hosts] == ["hv-ber-07.contoso.local"]
    assert inventory.location(inventory.hosts[0]) == "hosts[1] 'hv-ber-07.contoso.local'"


def test_readme_example_parses() -> None:
    inventory = parse(README_EXAMPLE)
    assert [e.url for e in inventory.entries] == [
        "https://cl-fra-01.contoso.local:5986/wsman",
        "https://hv-ber-07.contoso.local:5986/wsman",
    ]
    assert all(e.settings == DESIGN_DEFAULTS for e in inventory.entries)


def test_an_empty_file_is_an_empty_inventory_with_default_settings() -> None:
    inventory = parse("# nothing yet\n")
    assert inventory == Inventory(ConnectionSettings(), (), "corp.toml")
    assert inventory.defaults.transport == "ntlm"
    assert inventory.defaults.scheme == "https"
    assert inventory.defaults.credential == "keyring"
    assert inventory.defaults.effective_port == 5986


def test_windows_notepad_bom_and_crlf_are_accepted() -> None:
    inventory = parse("\ufeff" + DESIGN_EXAMPLE.replace("\n", "\r\n"))
    assert inventory == parse(DESIGN_EXAMPLE)


def test_an_entry_port_follows_its_own_scheme_unless_set() -> None:
    # [defaults] port = 5986 is https's standard port; an http host must not inherit it.
    inventory = parse(hosts('name = "a"\nscheme = "http"', 'name = "b"', defaults='port = 5986\nscheme = "https"'))
    assert [e.url for e in inventory.entries] == ["http://a:5985/wsman", "https://b:5986/wsman"]
    custom = parse(hosts('name = "a"\nscheme = "http"', defaults="port = 8443"))
    assert custom.entries[0].url == "http://a:8443/wsman"


@pytest.mark.parametrize(
    ("table", "url"),
    [
        ('name = "hv-01"', "https://hv-01:5986/wsman"),
        ('name = "hv-01"\naddress = "127.0.0.1"\nport = 41001', "https://127.0.0.1:41001/wsman"),
        ('name = "hv-01"\naddress = "::1"', "https://[::1]:5986/wsman"),
        ('name = "fe80::1%eth0"', "https://[fe80::1%25eth0]:5986/wsman"),
        ('name = "2001:db8::7"\nscheme = "http"', "http://[2001:db8::7]:5985/wsman"),
        ('name = "hv-müller.example.de"', "https://hv-müller.example.de:5986/wsman"),
        ('name = "ハイパーブイ01"', "https://ハイパーブイ01:5986/wsman"),
        ('name = "HV-01"\nscheme = "HTTP"\ntransport = "NTLM"', "http://HV-01:5985/wsman"),
        ('name = "hv-01"\naddress = ""', "https://hv-01:5986/wsman"),
    ],
)
def test_urls(table: str, url: str) -> None:
    assert parse(hosts(table)).entries[0].url == url


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('transport = "kerberos"\nscheme = "http"', {"transport": "kerberos", "scheme": "http"}),
        ('transport = "credssp"\nscheme = "http"', {"transport": "credssp", "scheme": "http"}),
        ('transport = "ntlm"\nscheme = "http"', {"transport": "ntlm", "scheme": "http"}),
        ('transport = "basic"', {"transport": "basic", "scheme": "https"}),
        ('transport = "basic"\nscheme = "http"\nallow_insecure = true', {"transport": "basic", "allow_insecure": True}),
        ('credential = "env:AVMA_PW"', {"credential": "env:AVMA_PW"}),
        ('credential = "ENV:_x9"', {"credential": "env:_x9"}),
        ('credential = "Prompt"', {"credential": "prompt"}),
        ('username = "svc@contoso.local"', {"username": "svc@contoso.local"}),
        ('username = "John Smith"', {"username": "John Smith"}),
        ("port = 1", {"port": 1}),
        ("port = 65535", {"port": 65535}),
        ("operation_timeout_s = 1\nread_timeout_s = 2", {"operation_timeout_s": 1.0, "read_timeout_s": 2.0}),
        ("operation_timeout_s = 60.5\nread_timeout_s = 3600", {"operation_timeout_s": 60.5}),
        (
            'transport = "certificate"\ncert_pem = "c.pem"\ncert_key_pem = "k.pem"',
            {"transport": "certificate", "cert_pem": "c.pem", "cert_key_pem": "k.pem"},
        ),
    ],
)
def test_accepted_settings(table: str, expected: dict[str, object]) -> None:
    settings = parse(hosts(f'name = "hv-01"\n{table}')).entries[0].settings
    assert {key: getattr(settings, key) for key in expected} == expected


def test_needs_password_and_insecure_flags() -> None:
    def settings(**kwargs: Any) -> ConnectionSettings:
        return ConnectionSettings(**kwargs)

    assert settings().needs_password
    assert not settings(transport="kerberos").needs_password  # the ticket cache
    assert settings(transport="kerberos", username="u@REALM").needs_password
    assert not settings(transport="certificate", cert_pem="c", cert_key_pem="k").needs_password
    assert not settings(scheme="http").is_insecure  # NTLM encrypts the messages
    assert settings(scheme="http", transport="basic", allow_insecure=True).is_insecure
    assert settings(credential="env:X").credential_env_var == "X"
    assert settings(credential="prompt").credential_env_var is None


def test_relative_paths_are_resolved_against_base_dir_only() -> None:
    text = hosts(
        'name = "a"\nca_bundle = "sub/a.pem"',
        'name = "b"\nca_bundle = "/etc/ssl/b.pem"',
        'name = "c"',
        'name = "d"\nca_bundle = ""',
        defaults='ca_bundle = "corp-ca.pem"',
    )
    posix = parse(text, base_dir=PurePosixPath("/srv/inv"))
    assert [e.settings.ca_bundle for e in posix.entries] == [
        "/srv/inv/sub/a.pem",
        "/etc/ssl/b.pem",
        "/srv/inv/corp-ca.pem",
        None,  # "" clears the inherited value: trust the system's CAs
    ]
    windows = parse(text, base_dir=PureWindowsPath("C:\\AVMA"))
    assert windows.entries[0].settings.ca_bundle == "C:\\AVMA\\sub\\a.pem"
    assert parse(text).entries[0].settings.ca_bundle == "sub/a.pem"


# ---------------------------------------------------------------------------------------------------------
# Every rejection names the file, the place, the bad value and the fix


REJECTIONS = [
    pytest.param(
        hosts('name = "hv-ber-06"', 'name = "hv-ber-07"\nscheme = "htps"'),
        ["corp.toml: hosts[2] 'hv-ber-07': ", 'scheme must be "http" or "https", not "htps"', 'did you mean "https"'],
        id="scheme-typo",
    ),
    pytest.param(
        hosts('name = "hv-01"\nusrname = "x"'),
        ["hosts[1] 'hv-01'", 'unknown key "usrname"', 'did you mean "username"', "allowed keys are name, address,"],
        id="key-typo-in-entry",
    ),
    pytest.param(
        hosts(defaults="alow_insecure = true"),
        ["[defaults]", 'unknown key "alow_insecure"', 'did you mean "allow_insecure"', "allowed keys are transport,"],
        id="key-typo-in-defaults",
    ),
    pytest.param(
        "[[host]]\nname = 'a'\n",
        ["the top level", 'unknown key "host"', 'did you mean "hosts"', "defaults, clusters, hosts"],
        id="top-level-typo",
    ),
    pytest.param(
        hosts('name = "hv-01"\ntransport = "ntml"'),
        ['transport must be "basic", "ntlm", "kerberos", "credssp" or "certificate", not "ntml"', '"ntlm"?'],
        id="transport-typo",
    ),
    pytest.param(hosts('name = "a"\nport = 0'), ["port must be an integer from 1 to 65535, not 0"], id="port-0"),
    pytest.param(hosts('name = "a"\nport = 65536'), ["from 1 to 65535, not 65536"], id="port-65536"),
    pytest.param(hosts('name = "a"\nport = -5'), ["from 1 to 65535, not -5"], id="port-negative"),
    pytest.param(
        hosts('name = "a"\nport = "5986"'), ['not "5986"', "write it without quotes: port = 5986"], id="port-quoted"
    ),
    pytest.param(hosts('name = "a"\nport = true'), ["from 1 to 65535, not true"], id="port-bool"),
    pytest.param(hosts('name = "a"\nport = 5986.0'), ["from 1 to 65535, not 5986.0"], id="port-float"),
    pytest.param(hosts('name = "a"\nport = 99999999999999999999999'), ["not a very large integer"], id="port-huge"),
    pytest.param(hosts('name = "a"\nport = {a = 1}'), ["from 1 to 65535, not a table"], id="port-table"),
    pytest.param(
        hosts('name = "a"\ncredential = "environment"'),
        ['credential must be "keyring", "env:VARNAME" or "prompt"'],
        id="credential-unknown",
    ),
    pytest.param(
        hosts('name = "a"\ncredential = "env:1BAD"'),
        ['"env:..." needs an environment variable name', 'e.g. credential = "env:AVMA_PASSWORD"'],
        id="credential-env-bad-name",
    ),
    pytest.param(
        hosts('name = "a"\ncredential = "env:"'), ["needs an environment variable name"], id="credential-env-empty"
    ),
    pytest.param(hosts('name = "a"\ncredential = 5'), ["not an integer"], id="credential-int"),
    pytest.param(
        hosts('name = "a"\ntransport = "basic"\nscheme = "http"'),
        [
            "hosts[1] 'a'",
            'plain http with transport "basic" is refused',
            "unencrypted",
            'scheme = "https"',
            'transport = "ntlm"',
            "allow_insecure = true",
        ],
        id="basic-over-http",
    ),
    pytest.param(
        hosts(defaults='transport = "basic"\nscheme = "http"'),
        ["[defaults]", 'plain http with transport "basic" is refused', "allow_insecure = true"],
        id="basic-over-http-in-defaults",
    ),
    pytest.param(
        hosts('name = "a"\ntransport = "basic"', defaults='scheme = "http"'),
        ["hosts[1] 'a'", 'plain http with transport "basic" is refused'],
        id="basic-over-inherited-http",
    ),
    pytest.param(
        hosts('name = "a"\ntransport = "certificate"\ncert_pem = "c.pem"\ncert_key_pem = "k.pem"\nscheme = "http"'),
        ['transport "certificate" authenticates in the TLS handshake', 'scheme = "https"'],
        id="certificate-over-http",
    ),
    pytest.param(
        hosts(
            'name = "a"\ntransport = "certificate"\ncert_pem = "c"\ncert_key_pem = "k"\n'
            'scheme = "http"\nallow_insecure = true'
        ),
        ['needs scheme = "https"', "allow_insecure cannot change that"],
        id="certificate-over-http-even-if-insecure-allowed",
    ),
    pytest.param(
        hosts('name = "a"\ntransport = "certificate"\ncert_key_pem = "k.pem"'),
        ['transport "certificate" needs cert_pem', 'add cert_pem = "..."'],
        id="certificate-without-cert",
    ),
    pytest.param(
        hosts('name = "a"\ntransport = "certificate"\ncert_pem = "c.pem"'),
        ["needs cert_key_pem"],
        id="certificate-without-key",
    ),
    pytest.param(
        hosts('name = "a"\nallow_insecure = "yes"'), ['allow_insecure must be true or false, not "yes"'], id="bool-text"
    ),
    pytest.param(
        hosts('name = "a"\nusername = {first = "x"}'), ["username must be a string, not a table"], id="username-table"
    ),
    pytest.param(
        hosts('name = "a"\nusername = "svc\\u0007"'),
        ['username "svc\\u0007" contains a control character at position 4'],
        id="username-control",
    ),
    pytest.param(hosts('name = "a"\nca_bundle = "a\\u0000b"'), ["ca_bundle", "control character"], id="path-nul"),
    pytest.param(hosts('name = "a"\nca_bundle = 1979-05-27'), ["not a date/time (1979-05-27)"], id="path-date"),
    pytest.param(
        hosts('name = "a"\noperation_timeout_s = 0'),
        ["operation_timeout_s must be between 1 and 3600 seconds, not 0"],
        id="timeout-zero",
    ),
    pytest.param(hosts('name = "a"\nread_timeout_s = inf'), ["not inf"], id="timeout-inf"),
    pytest.param(hosts('name = "a"\nread_timeout_s = nan'), ["not nan"], id="timeout-nan"),
    pytest.param(
        hosts('name = "a"\nread_timeout_s = "30"'), ['must be a number of seconds, not "30"'], id="timeout-text"
    ),
    pytest.param(
        hosts('name = "a"\noperation_timeout_s = 30\nread_timeout_s = 30'),
        ["read_timeout_s (30) must be at least 1 second longer than operation_timeout_s (30)"],
        id="read-not-longer-than-operation",
    ),
    pytest.param(
        hosts('name = "a"\noperation_timeout_s = 40'),
        ["read_timeout_s (30)", "operation_timeout_s (40)"],
        id="op-vs-default-read",
    ),
    pytest.param(hosts('address = "10.0.0.1"'), ["hosts[1]: name is missing", 'name = "..."'], id="name-missing"),
    pytest.param(hosts('name = ""'), ["hosts[1]: name must not be empty"], id="name-empty"),
    pytest.param(hosts('name = "hv 01"'), ['name "hv 01" contains whitespace', "position 3"], id="name-space"),
    pytest.param(hosts('name = "hv\\t01"'), ['"hv\\u0009', "whitespace or a control character"], id="name-tab"),
    pytest.param(hosts('name = "hv\\u202e01"'), ["\\u202e", "control character"], id="name-bidi-override"),
    pytest.param(hosts('name = "hv\\u300001"'), ["\\u3000", "whitespace"], id="name-ideographic-space"),
    pytest.param(hosts('name = "' + "a" * 256 + '"'), ["name is 256 characters long; at most 255"], id="name-256"),
    pytest.param(hosts('name = {a = "b"}'), ["hosts[1]: name must be a string, not a table"], id="name-table"),
    pytest.param(hosts("name = 42"), ["name must be a string, not 42"], id="name-int"),
    pytest.param(
        hosts('name = "hv-01@evil.example"'), ['contains "@"', 'username = "..."'], id="name-credentials-redirect"
    ),
    pytest.param(
        hosts('name = "https://hv-01/wsman"'), ["looks like a URL", "write only the host name"], id="name-url"
    ),
    pytest.param(hosts('name = "hv-01:5986"'), ['write name = "hv-01" and port = 5986'], id="name-port"),
    pytest.param(hosts('name = "[::1]"'), ["without brackets", 'name = "::1"'], id="name-bracketed-ipv6"),
    pytest.param(hosts('name = "hv-01/x"'), ['contains "/"', "letters, digits"], id="name-slash"),
    pytest.param(hosts('name = "hv-01#x"'), ['contains "#"'], id="name-hash"),
    pytest.param(hosts('name = "a／b"'), ['contains "／"'], id="name-fullwidth-solidus"),
    pytest.param(hosts('name = "a⑴"'), ['contains "("'], id="name-nfkc-parenthesis"),
    pytest.param(hosts('name = "a"\naddress = "b c"'), ['address "b c" contains whitespace'], id="address-space"),
    pytest.param(
        hosts('name = "hv-ber-07"', 'name = "HV-BER-07"'),
        ["hosts[2] 'HV-BER-07': duplicate of hosts[1] 'hv-ber-07'", "ignoring case", "remove one"],
        id="duplicate-host",
    ),
    pytest.param(
        "[[clusters]]\nname = 'c'\n[[clusters]]\nname = 'C'\n",
        ["clusters[2] 'C': duplicate of clusters[1] 'c'"],
        id="duplicate-cluster",
    ),
    pytest.param(
        "[hosts]\nname = 'a'\n", ["hosts must be written as [[hosts]] tables", "not a table"], id="hosts-table"
    ),
    pytest.param('hosts = ["a", "b"]\n', ["hosts[1] must be a [[hosts]] table", 'not "a"'], id="hosts-strings"),
    pytest.param("defaults = 5\n", ["defaults must be a table ([defaults]), not 5"], id="defaults-int"),
    pytest.param("[defaults]\nport = 0\n", ["corp.toml: [defaults]: port must be"], id="defaults-port"),
]


@pytest.mark.parametrize(("text", "fragments"), REJECTIONS)
def test_rejections_name_the_input_and_the_fix(text: str, fragments: list[str]) -> None:
    message = error_of(text)
    assert message.startswith("corp.toml: ")
    for fragment in fragments:
        assert fragment in message


PASSWORD_MESSAGE = (
    'passwords never go in the inventory file; use credential = "keyring" (default), "env:VAR" or "prompt"'
)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('password = "Sup3r-S3cret!"\n', 'key "password"'),
        ('[defaults]\npassword = "Sup3r-S3cret!"\n', 'key "defaults.password"'),
        ('[[hosts]]\nname = "a"\nPassword = "Sup3r-S3cret!"\n', 'key "hosts[1].Password"'),
        (
            '[[hosts]]\nname = "a"\n[[hosts]]\nname = "b"\nadmin_password = "Sup3r-S3cret!"\n',
            'key "hosts[2].admin_password"',
        ),
        ('[[hosts]]\nname = "a"\nextra = {deep = {passwd = "Sup3r-S3cret!"}}\n', 'key "hosts[1].extra.deep.passwd"'),
        ('[defaults]\npwd = "Sup3r-S3cret!"\nusrname = "typo"\n', 'key "defaults.pwd"'),
    ],
)
def test_a_password_anywhere_is_refused_without_repeating_it(text: str, where: str) -> None:
    message = error_of(text)
    assert message == f"corp.toml: {where}: {PASSWORD_MESSAGE}"
    assert "Sup3r-S3cret!" not in message


@pytest.mark.parametrize(
    "value", ["Sup3r-S3cret!", "env:Sup3r-S3cret!", "keyring:Sup3r-S3cret!", "Sup3r-S3cret!\u0000"]
)
def test_a_password_pasted_into_credential_is_not_repeated(value: str) -> None:
    text = hosts(f'name = "a"\ncredential = "{value}"'.replace("\u0000", "\\u0000"))
    message = error_of(text)
    assert "Sup3r-S3cret" not in message
    assert "not repeated here in case it is a password" in message


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("[defaults]\nport = 5986\nscheme = https\n", "(at line 3, column 10)"),
        ('[[hosts]]\nname = "a\n', "(at line 2, column 10)"),
        ("[defaults\n", "(at line 1, column 10)"),
        ("[defaults]\nport = 1\nport = 2\n", "(at line 3, column 9)"),
    ],
)
def test_malformed_toml_reports_line_and_column(text: str, position: str) -> None:
    message = error_of(text)
    assert message.startswith("corp.toml: not valid TOML: ")
    assert position in message
    assert "double quotes" in message  # the commonest fix


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("port = " + "9" * 5000, "a number has thousands of digits"),
    ],
)
def test_hostile_documents_give_an_inventory_error(text: str, fragment: str) -> None:
    assert fragment in error_of(text)


def test_long_and_hostile_values_are_shortened_and_escaped_in_messages() -> None:
    message = error_of(hosts('name = "a"\nscheme = "' + "x" * 10_000 + '\\u001b[31m"'))
    assert len(message) < 400
    assert "\x1b" not in message


# ---------------------------------------------------------------------------------------------------------
# Objects built in code obey the same rules


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"transport": "basic", "scheme": "http"}, "plain http with transport"),
        ({"transport": "telnet"}, 'not "telnet"'),
        ({"port": 70000}, "from 1 to 65535"),
        ({"credential": "hunter2"}, "not repeated"),
    ],
)
def test_settings_built_in_code_are_validated(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InventoryError) as info:
        ConnectionSettings(**kwargs)
    assert fragment in str(info.value)
    assert "hunter2" not in str(info.value)


def test_entries_and_inventories_built_in_code_are_validated() -> None:
    with pytest.raises(InventoryError, match='contains "@"'):
        InventoryEntry("host", "a@b")
    with pytest.raises(InventoryError, match='kind must be "host" or "cluster"'):
        InventoryEntry("vm", "a")  # type: ignore[arg-type]
    with pytest.raises(InventoryError, match="duplicate of hosts"):
        Inventory(entries=(InventoryEntry("host", "a"), InventoryEntry("host", "A")))
    # The same name as a host and as a cluster is fine: the kinds differ.
    assert len(Inventory(entries=(InventoryEntry("host", "a"), InventoryEntry("cluster", "a"))).entries) == 2


def test_inventory_keeps_clusters_before_hosts_in_their_own_order() -> None:
    h1, c1, h2 = InventoryEntry("host", "h1"), InventoryEntry("cluster", "c1"), InventoryEntry("host", "h2")
    assert Inventory(entries=(h1, c1, h2)).entries == (c1, h1, h2)


def test_normalisation_makes_equal_settings_equal() -> None:
    assert ConnectionSettings(port=5986, username="", operation_timeout_s=20) == ConnectionSettings()
    shouting: dict[str, Any] = {"scheme": "HTTP", "transport": "NTLM"}  # as typed by hand in a file
    assert ConnectionSettings(port=5985, **shouting) == ConnectionSettings(scheme="http")


# ---------------------------------------------------------------------------------------------------------
# Writing


def test_inventory_to_data_omits_inherited_values_and_holds_no_password() -> None:
    data = inventory_to_data(parse(DESIGN_EXAMPLE))
    assert data == {
        "defaults": {"username": "CONTOSO\\svc-avma", "ca_bundle": "corp-ca.pem"},
        "clusters": [{"name": "cl-fra-01.contoso.local"}],
        "hosts": [{"name": "hv-ber-07.contoso.local", "scheme": "http"}],
    }
    assert "password" not in inventory_toml(data).lower()


def test_inventory_to_data_writes_what_toml_cannot_express_as_null() -> None:
    defaults = ConnectionSettings(port=8443, username="svc", ca_bundle="ca.pem")
    entry = InventoryEntry(
        "host", "a", settings=dataclasses.replace(defaults, port=None, username=None, ca_bundle=None)
    )
    inventory = Inventory(defaults, (entry,), "x")
    assert inventory_to_data(inventory)["hosts"] == [{"name": "a", "port": 5986, "username": "", "ca_bundle": ""}]
    assert parse_inventory(inventory_toml(inventory_to_data(inventory)), source="x") == inventory


def test_inventory_to_data_writes_paths_inside_base_dir_relative() -> None:
    base = PurePosixPath("/srv/inv")
    inventory = parse(
        hosts('name = "a"\nca_bundle = "/etc/ssl/a.pem"', defaults='ca_bundle = "certs/corp.pem"'), base_dir=base
    )
    data = inventory_to_data(inventory, base_dir=base)
    assert data["defaults"] == {"ca_bundle": "certs/corp.pem"}
    assert data["hosts"] == [{"name": "a", "ca_bundle": "/etc/ssl/a.pem"}]
    assert parse(inventory_toml(data), base_dir=base) == inventory


@pytest.mark.parametrize("text", [DESIGN_EXAMPLE, README_EXAMPLE, ""])
def test_round_trip_of_the_examples(text: str) -> None:
    inventory = parse(text)
    assert parse(inventory_toml(inventory_to_data(inventory))) == inventory


# ---------------------------------------------------------------------------------------------------------
# Properties

host_names = st.one_of(
    st.from_regex(r"[a-z0-9][a-z0-9._-]{0,30}", fullmatch=True),
    st.sampled_from(["hv-müller", "ハイパーブイ01", "127.0.0.1", "::1", "2001:db8::7", "HV-FRA-01.contoso.local"]),
)
optional_paths = st.sampled_from([None, "ca.pem", "certs/corp ca.pem", "/etc/ssl/corp.pem", "C:\\certs\\ca.pem"])


@st.composite
def connection_settings(draw: st.DrawFn) -> ConnectionSettings:
    kwargs: dict[str, Any] = {
        "transport": draw(st.sampled_from(["basic", "ntlm", "kerberos", "credssp", "certificate"])),
        "scheme": draw(st.sampled_from(["http", "https"])),
        "port": draw(st.one_of(st.none(), st.integers(1, 65535))),
        "username": draw(st.one_of(st.none(), st.sampled_from(["CONTOSO\\svc-avma", "svc@corp", "Jürgen Müller"]))),
        "credential": draw(
            st.one_of(
                st.sampled_from(["keyring", "prompt"]), st.from_regex(r"env:[A-Z_][A-Z0-9_]{0,10}", fullmatch=True)
            )
        ),
        "ca_bundle": draw(optional_paths),
        "allow_insecure": draw(st.booleans()),
        "cert_pem": draw(optional_paths),
        "cert_key_pem": draw(optional_paths),
        "operation_timeout_s": draw(st.floats(1, 100, allow_nan=False)),
        "read_timeout_s": draw(st.floats(102, 3600, allow_nan=False)),
    }
    try:
        return ConnectionSettings(**kwargs)
    except InventoryError:
        assume(False)
        raise


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    defaults = draw(connection_settings())
    entries = draw(
        st.lists(
            st.builds(
                InventoryEntry,
                kind=st.sampled_from(["host", "cluster"]),
                name=host_names,
                address=st.one_of(st.none(), host_names),
                settings=st.one_of(st.just(defaults), connection_settings()),
            ),
            max_size=6,
            unique_by=lambda e: (e.kind, e.name.casefold()),
        )
    )
    return Inventory(defaults, tuple(entries), "fleet.toml")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(inventories())
def test_round_trip_through_toml(inventory: Inventory) -> None:
    text = inventory_toml(inventory_to_data(inventory))
    assert parse_inventory(text, source="fleet.toml") == inventory
    assert "password" not in text.lower()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(inventories())
def test_round_trip_with_base_dir(inventory: Inventory) -> None:
    # Paths an inventory loaded from /srv/inv holds are absolute; writing makes them relative again.
    base = PurePosixPath("/srv/inv")
    loaded = parse_inventory(inventory_toml(inventory_to_data(inventory)), source="f", base_dir=base)
    again = parse_inventory(inventory_toml(inventory_to_data(loaded, base_dir=base)), source="f", base_dir=base)
    assert again == loaded


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_arbitrary_text_gives_an_inventory_or_an_inventory_error(text: str) -> None:
    with contextlib.suppress(InventoryError):
        parse(text)


toml_leaves = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=300),
    st.sampled_from(["http", "https", "basic", "ntlm", "certificate", "keyring", "env:X", "prompt", "hv-01", ""]),
    st.datetimes(),
    st.dates(),
)
toml_keys = st.one_of(st.sampled_from([*ENTRY_KEYS, "password", "usrname"]), st.text(string.printable, max_size=8))
toml_values = st.recursive(
    toml_leaves,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(toml_keys, children, max_size=3),
    max_leaves=8,
)
settings_tables = st.dictionaries(st.sampled_from(SETTINGS_KEYS), st.one_of(toml_leaves, toml_values), max_size=5)
entry_tables = st.dictionaries(st.sampled_from(ENTRY_KEYS), st.one_of(toml_leaves, toml_values), max_size=5)
documents = st.fixed_dictionaries(
    {},
    optional={
        "defaults": st.one_of(settings_tables, toml_values),
        "hosts": st.one_of(st.lists(entry_tables, max_size=4), toml_values),
        "clusters": st.lists(entry_tables, max_size=3),
        "extra": toml_values,
    },
)


@settings(max_examples=500, deadline=None)
@given(documents)
def test_arbitrary_toml_documents_give_an_inventory_or_an_inventory_error(document: dict[str, Any]) -> None:
    # Well-formed TOML reaches the validation code, which random text rarely does.
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):
        assume(False)
        raise
    with contextlib.suppress(InventoryError):
        parse(text)
