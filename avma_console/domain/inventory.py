"""The inventory file: which clusters and hosts the console manages and how it connects to each.

Operators write this TOML by hand, so every mistake must surface as an `InventoryError` that names the file,
the entry, the offending value and the fix; a typo is never silently ignored, because an ignored
`usrname` or `alow_insecure` would make the console connect differently from what the operator believes.

The dataclasses validate themselves, so an inventory built in code (the GUI's connection dialog) obeys the
same security rules as one read from a file. Parsing works on text only; reading and writing files is
`avma_console.services.inventory_files`.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import json
import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any, Final, Literal

Transport = Literal["basic", "ntlm", "kerberos", "credssp", "certificate"]
Scheme = Literal["http", "https"]
EntryKind = Literal["host", "cluster"]

TRANSPORTS: Final[tuple[Transport, ...]] = ("basic", "ntlm", "kerberos", "credssp", "certificate")
SCHEMES: Final[tuple[Scheme, ...]] = ("http", "https")
# Transports whose WinRM messages pywinrm encrypts itself, so plain HTTP still keeps credentials and data private.
MESSAGE_ENCRYPTING_TRANSPORTS: Final[frozenset[str]] = frozenset({"ntlm", "kerberos", "credssp"})
STANDARD_PORTS: Final[Mapping[str, int]] = {"https": 5986, "http": 5985}

MAX_NAME_LENGTH: Final = 255
# pywinrm truncates timeouts to whole seconds and insists on 1 <= operation < read; an hour is already absurd.
MIN_TIMEOUT_S: Final = 1.0
MAX_TIMEOUT_S: Final = 3600.0

_CREDENTIAL_HINT: Final = (
    'passwords never go in the inventory file; use credential = "keyring" (default), "env:VAR" or "prompt"'
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HOST_ASCII_OK: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")
_PATH_KEYS: Final = ("ca_bundle", "cert_pem", "cert_key_pem")
_OPTIONAL_TEXT_KEYS: Final = ("username", "ca_bundle", "cert_pem", "cert_key_pem")


class InventoryError(ValueError):
    """An inventory that cannot be used; the message names the file, the entry, the bad value and the fix."""


# ---------------------------------------------------------------------------------------------------------
# Connection settings


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """How to reach one WinRM endpoint. `[defaults]` is one of these; each entry's is defaults + overrides.

    `port` None means the scheme's standard port. The standard port itself is stored as None too, so a host
    that switches `scheme` does not inherit the other scheme's port from `[defaults]` (the DESIGN.md example
    sets port = 5986 in defaults and expects an http host to land on 5985). An empty string in an optional
    text field means "not set", which is how a file clears a value inherited from `[defaults]`.
    """

    transport: Transport = "ntlm"
    scheme: Scheme = "https"
    port: int | None = None
    username: str | None = None
    credential: str = "keyring"
    ca_bundle: str | None = None
    allow_insecure: bool = False
    cert_pem: str | None = None
    cert_key_pem: str | None = None
    operation_timeout_s: float = 20
    read_timeout_s: float = 30
    # Shells the console opens on one host at once: Windows' MaxShellsPerUser (30) unless the host has less.
    max_shells_per_user: int = 30

    def __post_init__(self) -> None:
        problem = _settings_problem(self)
        if problem:
            raise InventoryError(problem)

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else STANDARD_PORTS[self.scheme]

    @property
    def credential_kind(self) -> Literal["keyring", "env", "prompt"]:
        if self.credential.startswith("env:"):
            return "env"
        return "prompt" if self.credential == "prompt" else "keyring"

    @property
    def credential_env_var(self) -> str | None:
        """The variable named by credential = "env:VAR", else None."""
        return self.credential[4:] if self.credential_kind == "env" else None

    @property
    def needs_password(self) -> bool:
        """False for client certificates and for Kerberos without a user name (the ticket cache is used)."""
        if self.transport == "certificate":
            return False
        return not (self.transport == "kerberos" and self.username is None)

    @property
    def is_insecure(self) -> bool:
        """True when messages travel unprotected: the GUI shows its warning banner for such entries."""
        return self.scheme == "http" and self.transport not in MESSAGE_ENCRYPTING_TRANSPORTS


def _set(obj: object, name: str, value: object) -> None:
    # Normalising a frozen dataclass in __post_init__ is the documented use of object.__setattr__.
    object.__setattr__(obj, name, value)


MAX_SHELLS_PER_USER = 2_147_483_647


def _settings_problem(s: ConnectionSettings) -> str | None:
    """Validate and normalise `s` in place; return the first problem as a sentence, or None."""
    # Case is forgiven for the keywords: Windows administrators write "NTLM" and "HTTPS", and nothing is lost.
    for key, allowed in (("transport", TRANSPORTS), ("scheme", SCHEMES)):
        value = getattr(s, key)
        if isinstance(value, str) and value.lower() in allowed:
            _set(s, key, value.lower())
        else:
            return f"{key} must be {_one_of(allowed)}, not {_show(value)}{_did_you_mean(value, allowed)}"

    for key in _OPTIONAL_TEXT_KEYS:
        value = getattr(s, key)
        if value == "":
            _set(s, key, None)
        elif value is not None:
            problem = _text_problem(key, value)
            if problem:
                return problem

    if s.port is not None:
        if isinstance(s.port, bool) or not isinstance(s.port, int) or not 1 <= s.port <= 65535:
            hint = ""
            if isinstance(s.port, str) and s.port.strip().isdigit():
                hint = f"; write it without quotes: port = {s.port.strip()}"
            return f"port must be an integer from 1 to 65535, not {_show(s.port)}{hint}"
        if s.port == STANDARD_PORTS[s.scheme]:
            _set(s, "port", None)

    problem = _credential_problem(s.credential)
    if problem:
        return problem
    if s.credential.lower() in ("keyring", "prompt"):
        _set(s, "credential", s.credential.lower())
    elif s.credential[:4].lower() == "env:":
        _set(s, "credential", "env:" + s.credential[4:])

    if not isinstance(s.allow_insecure, bool):
        return f"allow_insecure must be true or false, not {_show(s.allow_insecure)}"

    for key in ("operation_timeout_s", "read_timeout_s"):
        value = getattr(s, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{key} must be a number of seconds, not {_show(value)}"
        if not (math.isfinite(value) and MIN_TIMEOUT_S <= value <= MAX_TIMEOUT_S):
            return f"{key} must be between {MIN_TIMEOUT_S:g} and {MAX_TIMEOUT_S:g} seconds, not {_show(value)}"
        _set(s, key, float(value))
    if s.read_timeout_s < s.operation_timeout_s + 1:
        # A host may hold a Receive for the whole operation timeout; reading must outlast it or every idle
        # command would end in a read timeout instead of WinRM's orderly OperationTimeout.
        return (
            f"read_timeout_s ({s.read_timeout_s:g}) must be at least 1 second longer than operation_timeout_s "
            f"({s.operation_timeout_s:g}); e.g. operation_timeout_s = 20 and read_timeout_s = 30"
        )

    shells = s.max_shells_per_user
    if isinstance(shells, bool) or not isinstance(shells, int) or not 1 <= shells <= MAX_SHELLS_PER_USER:
        return (
            f"max_shells_per_user must be a whole number from 1 to {MAX_SHELLS_PER_USER} (the hosts' "
            f"MaxShellsPerUser, 30 by default), not {_show(shells)}"
        )

    if s.transport == "certificate":
        for key in ("cert_pem", "cert_key_pem"):
            if getattr(s, key) is None:
                return (
                    f'transport "certificate" needs {key}, the path of the client certificate'
                    f'{" key" if key == "cert_key_pem" else ""} (PEM); add {key} = "..." or choose another transport'
                )
        if s.scheme != "https":
            return (
                'transport "certificate" authenticates in the TLS handshake, so it needs scheme = "https" '
                "(allow_insecure cannot change that)"
            )

    if s.is_insecure and not s.allow_insecure:
        return (
            f'plain http with transport "{s.transport}" is refused: it sends credentials and data unencrypted. '
            'Use scheme = "https", or transport = "ntlm" (which encrypts messages over http), '
            "or set allow_insecure = true if you knowingly accept that risk"
        )
    return None


def _credential_problem(value: object) -> str | None:
    # The value is never repeated: people do paste their password into this field.
    if not isinstance(value, str):
        return f'credential must be "keyring", "env:VARNAME" or "prompt", not {_type_name(value)}'
    if value.lower() in ("keyring", "prompt"):
        return None
    if value[:4].lower() == "env:":
        if _ENV_NAME.fullmatch(value[4:]):
            return None
        return (
            'credential "env:..." needs an environment variable name after "env:" (letters, digits and _, '
            'not starting with a digit), e.g. credential = "env:AVMA_PASSWORD" '
            "(the value is not repeated here in case it is a password)"
        )
    return (
        'credential must be "keyring", "env:VARNAME" or "prompt" '
        "(the value is not repeated here in case it is a password)"
    )


def _text_problem(key: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"{key} must be a string, not {_show(value)}"
    if len(value) > 4096:
        return f"{key} is {len(value)} characters long; at most 4096 are allowed"
    bad = _first_control(value)
    if bad is not None:
        return f"{key} {_show(value)} contains a control character at position {bad + 1}; remove it"
    return None


def _first_control(value: str) -> int | None:
    for index, char in enumerate(value):
        if unicodedata.category(char).startswith("C"):
            return index
    return None


# ---------------------------------------------------------------------------------------------------------
# Entries and the inventory


@dataclass(frozen=True, slots=True)
class InventoryEntry:
    """One `[[hosts]]` or `[[clusters]]` table; `settings` are the defaults merged with its overrides."""

    kind: EntryKind
    name: str
    address: str | None = None
    settings: ConnectionSettings = dataclasses.field(default_factory=ConnectionSettings)

    def __post_init__(self) -> None:
        if self.kind not in ("host", "cluster"):
            raise InventoryError(f'kind must be "host" or "cluster", not {_show(self.kind)}')
        problem = _host_problem("name", self.name)
        if problem:
            raise InventoryError(problem)
        if self.address == "":
            _set(self, "address", None)
        if self.address is not None:
            problem = _host_problem("address", self.address)
            if problem:
                raise InventoryError(problem)
        if not isinstance(self.settings, ConnectionSettings):
            raise InventoryError(f"settings must be ConnectionSettings, not {_type_name(self.settings)}")

    @property
    def connect_address(self) -> str:
        return self.address or self.name

    @property
    def url(self) -> str:
        host = self.connect_address
        if ":" in host:  # only IPv6 literals get past validation with a colon
            host = "[" + host.replace("%", "%25") + "]"
        return f"{self.settings.scheme}://{host}:{self.settings.effective_port}/wsman"


_KIND_ORDER: Final = {"cluster": 0, "host": 1}
_SECTION_OF: Final = {"cluster": "clusters", "host": "hosts"}


@dataclass(frozen=True, slots=True)
class Inventory:
    """The whole file. Entries are kept clusters first, then hosts, each in file order: that is the order a
    TOML file can express, so writing and reading an inventory gives back an equal one."""

    defaults: ConnectionSettings = dataclasses.field(default_factory=ConnectionSettings)
    entries: tuple[InventoryEntry, ...] = ()
    source: str = "inventory"

    def __post_init__(self) -> None:
        entries = tuple(self.entries)
        for entry in entries:
            if not isinstance(entry, InventoryEntry):
                raise InventoryError(f"entries must be InventoryEntry objects, not {_type_name(entry)}")
        _set(self, "entries", tuple(sorted(entries, key=lambda e: _KIND_ORDER[e.kind])))
        seen: dict[tuple[str, str], InventoryEntry] = {}
        for entry in self.entries:
            key = (entry.kind, entry.name.casefold())
            first = seen.setdefault(key, entry)
            if first is not entry:
                raise InventoryError(
                    f"{self.location(entry)}: duplicate of {self.location(first)} (names are compared "
                    f"ignoring case); remove one of them or merge their settings"
                )

    @property
    def clusters(self) -> tuple[InventoryEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "cluster")

    @property
    def hosts(self) -> tuple[InventoryEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "host")

    def location(self, entry: InventoryEntry) -> str:
        """Where an entry sits in the file, as error messages name it: "hosts[2] 'hv-ber-07'" (counting from 1)."""
        found = next((where for where, e in self.located_entries() if e is entry), None)
        if found is None:
            found = next((where for where, e in self.located_entries() if e == entry), None)
        if found is None:
            raise ValueError(f"{entry.kind} {entry.name!r} is not in this inventory")
        return found

    def located_entries(self) -> Iterator[tuple[str, InventoryEntry]]:
        """(location, entry) for every entry, in one pass: what per-entry checks over a large fleet need."""
        counters = {"cluster": 0, "host": 0}
        for entry in self.entries:
            counters[entry.kind] += 1
            yield _label(_SECTION_OF[entry.kind], counters[entry.kind], entry.name), entry


# ---------------------------------------------------------------------------------------------------------
# Host names


def _host_problem(key: str, value: object) -> str | None:
    """Why `value` cannot be put into a URL as a host, or None. The check is strict on purpose: a name like
    "hv-01@evil.example" would otherwise send the credentials to evil.example."""
    if not isinstance(value, str):
        return f"{key} must be a string, not {_show(value)}"
    if not value:
        return f'{key} must not be empty; e.g. {key} = "hv-01.contoso.local"'
    if len(value) > MAX_NAME_LENGTH:
        return f"{key} is {len(value)} characters long; at most {MAX_NAME_LENGTH} are allowed"
    for index, char in enumerate(value):
        if char.isspace() or unicodedata.category(char).startswith("C"):
            return (
                f"{key} {_show(value)} contains whitespace or a control character at position {index + 1}; "
                "host names cannot contain them"
            )
    if ":" in value:
        try:
            if isinstance(ipaddress.ip_address(value), ipaddress.IPv6Address):
                return None
        except ValueError:
            pass
    if "://" in value:
        return f'{key} {_show(value)} looks like a URL; write only the host name, e.g. {key} = "hv-01.contoso.local"'
    if value.startswith("[") and value.endswith("]"):
        return f"{key} {_show(value)}: write IPv6 addresses without brackets, e.g. {key} = {_show(value[1:-1])}"
    head, sep, tail = value.rpartition(":")
    if sep and tail.isdigit():
        return f"{key} {_show(value)} contains a port; write {key} = {_show(head)} and port = {tail}"
    if "@" in value:
        return f'{key} {_show(value)} contains "@"; put the user name in username = "...", not in the host name'
    # NFKC as well: IDNA folds e.g. a fullwidth solidus into "/", which must not sneak into the URL.
    for char in value + unicodedata.normalize("NFKC", value):
        ok = char in _HOST_ASCII_OK if char.isascii() else unicodedata.category(char)[0] in "LMN"
        if not ok:
            return (
                f"{key} {_show(value)} contains {_show(char)}, which cannot appear in a host name; "
                "use letters, digits, '-', '.' and '_' (or an IP address)"
            )
    return None


# ---------------------------------------------------------------------------------------------------------
# Parsing

_TOP_KEYS: Final = ("defaults", "clusters", "hosts")
SETTINGS_KEYS: Final[tuple[str, ...]] = tuple(f.name for f in fields(ConnectionSettings))
ENTRY_KEYS: Final[tuple[str, ...]] = ("name", "address", *SETTINGS_KEYS)
_KIND_OF_SECTION: Final[Mapping[str, EntryKind]] = {"clusters": "cluster", "hosts": "host"}


def parse_inventory(text: str, *, source: str = "inventory", base_dir: PurePath | None = None) -> Inventory:
    """Parse inventory TOML. Relative certificate paths are joined to `base_dir` (the file's folder) if given.

    Raises InventoryError, and nothing else, for any text.
    """
    try:
        document = tomllib.loads(text.removeprefix("\ufeff"))  # Notepad writes a BOM
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(
            f"{source}: not valid TOML: {exc}; fix the syntax there (text values need double quotes, "
            'e.g. name = "hv-01", and tables are written [defaults] and [[hosts]])'
        ) from None
    except RecursionError:
        raise InventoryError(f"{source}: not valid TOML: values are nested too deeply; flatten them") from None
    except ValueError as exc:
        # Python refuses integers of more than 4300 digits (a guard against quadratic parsing); its own
        # message talks about sys.set_int_max_str_digits, which means nothing to an operator.
        problem = "a number has thousands of digits" if "digits" in str(exc) else _shorten(str(exc), 120)
        raise InventoryError(f"{source}: not valid TOML: {problem}; fix that value") from None

    password_at = _find_password_key(document)
    if password_at is not None:
        raise InventoryError(f"{source}: {password_at}: {_CREDENTIAL_HINT}")
    _check_keys(source, "the top level", document, _TOP_KEYS)

    raw_defaults = document.get("defaults", {})
    if not isinstance(raw_defaults, dict):
        raise InventoryError(f"{source}: defaults must be a table ([defaults]), not {_show(raw_defaults)}")
    _check_keys(source, "[defaults]", raw_defaults, SETTINGS_KEYS)
    try:
        defaults = ConnectionSettings(**_resolve_paths(raw_defaults, base_dir))
    except InventoryError as exc:
        raise InventoryError(f"{source}: [defaults]: {exc}") from None

    entries: list[InventoryEntry] = []
    for section, kind in _KIND_OF_SECTION.items():
        tables = document.get(section, [])
        if not isinstance(tables, list):
            raise InventoryError(
                f"{source}: {section} must be written as [[{section}]] tables (one per entry), not {_show(tables)}"
            )
        for index, table in enumerate(tables, start=1):
            entries.append(
                _parse_entry(
                    table, source=source, section=section, kind=kind, index=index, defaults=defaults, base_dir=base_dir
                )
            )

    try:
        return Inventory(defaults=defaults, entries=tuple(entries), source=source)
    except InventoryError as exc:
        raise InventoryError(f"{source}: {exc}") from None


def _parse_entry(
    table: object,
    *,
    source: str,
    section: str,
    kind: EntryKind,
    index: int,
    defaults: ConnectionSettings,
    base_dir: PurePath | None,
) -> InventoryEntry:
    if not isinstance(table, dict):
        raise InventoryError(
            f'{source}: {section}[{index}] must be a [[{section}]] table with name = "...", not {_show(table)}'
        )
    name = table.get("name")
    label = _label(section, index, name)
    _check_keys(source, label, table, ENTRY_KEYS)
    if "name" not in table:
        raise InventoryError(f'{source}: {label}: name is missing; every [[{section}]] needs name = "..."')
    overrides = _resolve_paths({k: v for k, v in table.items() if k in SETTINGS_KEYS}, base_dir)
    try:
        settings = dataclasses.replace(defaults, **overrides)
        return InventoryEntry(kind=kind, name=table["name"], address=table.get("address"), settings=settings)
    except InventoryError as exc:
        raise InventoryError(f"{source}: {label}: {exc}") from None


def _resolve_paths(table: Mapping[str, Any], base_dir: PurePath | None) -> dict[str, Any]:
    resolved = dict(table)
    if base_dir is None:
        return resolved
    for key in _PATH_KEYS:
        value = resolved.get(key)
        # Values that will fail validation stay as written, so the error shows what the operator typed.
        if isinstance(value, str) and value and _text_problem(key, value) is None:
            path = type(base_dir)(value)
            if not path.is_absolute():
                resolved[key] = str(base_dir / path)
    return resolved


def _check_keys(source: str, where: str, table: Mapping[str, Any], allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for key in table:
        if key not in allowed:
            raise InventoryError(
                f"{source}: {where}: unknown key {_show(key)}{_did_you_mean(key, allowed)}; "
                f"allowed keys are {', '.join(allowed)}"
            )


def _find_password_key(document: Mapping[str, Any]) -> str | None:
    """Where a password-like key sits anywhere in the document, or None. Iterative: nesting may be deep."""
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                path = f"{where}.{key}" if where else str(key)
                if _looks_like_password_key(str(key)):
                    return f"key {_show(path)}"
                stack.append((path, value))
        elif isinstance(node, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(node, start=1))
    return None


def _looks_like_password_key(key: str) -> bool:
    folded = "".join(c for c in key.casefold() if c.isalnum())
    return folded in ("pwd", "pass", "passwd") or "password" in folded or "passphrase" in folded


# ---------------------------------------------------------------------------------------------------------
# Writing


def inventory_to_data(inv: Inventory, *, base_dir: PurePath | None = None) -> dict[str, Any]:
    """The TOML document (as plain data for `inventory_toml`) that parses back to `inv`.

    Values equal to what they would inherit are left out, so the file stays as short as a hand-written one.
    With `base_dir`, certificate paths inside that folder are written relative to it, keeping the file
    portable together with its certificates. There is no password field to write.
    """
    data: dict[str, Any] = {}
    defaults = _settings_data(inv.defaults, ConnectionSettings(), base_dir)
    if defaults:
        data["defaults"] = defaults
    for section, kind in _KIND_OF_SECTION.items():
        tables = []
        for entry in inv.entries:
            if entry.kind != kind:
                continue
            table: dict[str, Any] = {"name": entry.name}
            if entry.address is not None:
                table["address"] = entry.address
            table.update(_settings_data(entry.settings, inv.defaults, base_dir))
            tables.append(table)
        if tables:
            data[section] = tables
    return data


def inventory_toml(data: Mapping[str, Any]) -> str:
    """TOML text for `inventory_to_data`'s shape, written as people write it: `[defaults]`, then one
    `[[clusters]]` / `[[hosts]]` table per entry (a generic writer would put them in one inline array)."""
    lines: list[str] = []
    defaults = data.get("defaults")
    if defaults:
        lines.append("[defaults]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in defaults.items())
    for section in _KIND_OF_SECTION:
        for table in data.get(section, ()):
            lines.extend(["", f"[[{section}]]"])
            lines.extend(f"{key} = {_toml_value(value)}" for key, value in table.items())
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON's string escapes are a subset of TOML's basic-string escapes; TOML also wants DEL escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    raise TypeError(f"an inventory value must be text, a number or true/false, not {type(value).__name__}")


def _settings_data(s: ConnectionSettings, inherited: ConnectionSettings, base_dir: PurePath | None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in fields(ConnectionSettings):
        value = getattr(s, f.name)
        if value == getattr(inherited, f.name):
            continue
        if value is None:
            # TOML has no null: the standard port is written out, and "" clears an inherited text value.
            value = s.effective_port if f.name == "port" else ""
        elif f.name in _PATH_KEYS and base_dir is not None:
            value = _relative_if_inside(value, base_dir)
        data[f.name] = value
    return data


def _relative_if_inside(value: str, base_dir: PurePath) -> str:
    path = type(base_dir)(value)
    if path.is_absolute() and base_dir.is_absolute():
        try:
            return path.relative_to(base_dir).as_posix()
        except ValueError:
            pass
    return value


# ---------------------------------------------------------------------------------------------------------
# Message helpers


def _label(section: str, index: int, name: object) -> str:
    label = f"{section}[{index}]"
    if isinstance(name, str) and name and _first_control(name) is None:
        label += f" '{_shorten(name, 60)}'"
    return label


def _one_of(options: Iterable[str]) -> str:
    quoted = [f'"{o}"' for o in options]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _did_you_mean(value: object, options: Iterable[str]) -> str:
    if not isinstance(value, str) or len(value) > 100:
        return ""
    match = difflib.get_close_matches(value.lower(), list(options), n=1, cutoff=0.6)
    return f' (did you mean "{match[0]}"?)' if match else ""


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# TOML's names for the types a value can have, tried in order (bool before int: a bool is an int in Python).
_TOML_TYPE_NAMES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (dict, "a table"),
    (list, "an array"),
    ((datetime, date, time), "a date/time"),
)


def _type_name(value: object) -> str:
    for kind, name in _TOML_TYPE_NAMES:
        if isinstance(value, kind):
            return name
    return f"a {type(value).__name__}"


def _show(value: object) -> str:
    """A value as the operator wrote it in TOML, escaped and bounded so a hostile file cannot flood or spoof."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 64 else "a very large integer"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        text = _shorten(value, 80)
        return '"' + "".join(_escape_char(c) for c in text) + '"'
    if isinstance(value, datetime | date | time):
        return f"a date/time ({value.isoformat()})"
    return _type_name(value)


def _escape_char(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if unicodedata.category(char).startswith("C") or (char.isspace() and char != " "):
        return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
    return char
