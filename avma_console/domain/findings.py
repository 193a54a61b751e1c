"""Diagnosis findings: stable codes (a contract), severities, and the sentences an operator acts on.

Texts are English templates with named fields. The GUI passes the template through Qt's translation
before filling it in, so German operators read German; the code and its fields never change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from avma_console.domain.i18n import tr_noop
from avma_console.domain.pickling import by_fields


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {Severity.ERROR: 2, Severity.WARNING: 1, Severity.INFO: 0}[self]


class FindingCode(StrEnum):
    HOST_NOT_DATACENTER = "host_not_datacenter"
    HOST_EVALUATION_EDITION = "host_evaluation_edition"
    HOST_NOT_ACTIVATED = "host_not_activated"
    HOST_NO_HYPERV = "host_no_hyperv"
    GUEST_NEWER_THAN_HOST = "guest_newer_than_host"
    GUEST_NOT_WINDOWS_SERVER = "guest_not_windows_server"
    KVP_DISABLED = "kvp_disabled"
    KVP_NO_CONTACT = "kvp_no_contact"
    NON_AVMA_KEY = "non_avma_key"
    KVP_STALE_AFTER_KEY_CHANGE = "kvp_stale_after_key_change"
    CLUSTER_NODE_CANNOT_ACTIVATE = "cluster_node_cannot_activate"
    HOST_UNREACHABLE = "host_unreachable"
    NO_AVMA_EVIDENCE = "no_avma_evidence"
    AVMA_REFUSED = "avma_refused"


@dataclass(frozen=True, slots=True)
class FindingText:
    message: str
    remediation: str


# One entry per code; variants (e.g. a desktop OS versus an unrecognised one) are separate templates
# chosen by the rule, so every sentence stays a complete, translatable unit.
FINDING_TEXTS: dict[str, FindingText] = {
    "host_not_datacenter": FindingText(
        tr_noop(
            "Findings", "{host} runs Windows Server {edition}; only Datacenter editions activate guests through AVMA."
        ),
        tr_noop(
            "Findings",
            "Move the VMs to an activated Datacenter host, or convert {host} to Datacenter (DISM /Online /Set-Edition:ServerDatacenter /ProductKey:<Datacenter key> /AcceptEula) and activate it.",
        ),
    ),
    "host_evaluation_edition": FindingText(
        tr_noop("Findings", "{host} runs {edition}, an evaluation edition, which cannot activate guests."),
        tr_noop(
            "Findings",
            "Convert {host} to a licensed edition (DISM /Online /Set-Edition:ServerDatacenter /ProductKey:<your Datacenter key> /AcceptEula), then activate it.",
        ),
    ),
    "host_not_activated": FindingText(
        tr_noop("Findings", "{host} is not activated, so it cannot activate its guests."),
        tr_noop("Findings", "Activate {host} (slmgr /ato, or Settings > Activation) and confirm with slmgr /dlv."),
    ),
    "host_no_hyperv": FindingText(
        tr_noop("Findings", "{host} does not have the Hyper-V role installed."),
        tr_noop(
            "Findings",
            "Install it (Install-WindowsFeature Hyper-V -IncludeManagementTools -Restart) or remove {host} from the inventory.",
        ),
    ),
    "host_unreachable": FindingText(
        tr_noop("Findings", "{host} could not be queried: {reason}"),
        tr_noop("Findings", "{fix}"),
    ),
    "guest_newer_than_host": FindingText(
        tr_noop(
            "Findings",
            "{vm} runs Windows Server {guest_version}, newer than its host {host} (Windows Server {host_version}), which cannot activate it.",
        ),
        tr_noop(
            "Findings",
            "Move {vm} to an activated Datacenter host running Windows Server {minimum_host} or later, or upgrade {host}.",
        ),
    ),
    "guest_not_windows_server": FindingText(
        tr_noop("Findings", "{vm} runs {os}, not Windows Server; AVMA activates only Windows Server guests."),
        tr_noop("Findings", "Activate {vm} through another channel (KMS, MAK or retail); AVMA cannot help here."),
    ),
    "guest_os_unrecognised": FindingText(
        tr_noop(
            "Findings",
            "The operating system of {vm} is not recognised ({os}); AVMA can only activate Windows Server 2012 R2 or later.",
        ),
        tr_noop(
            "Findings",
            "Check the guest's OS inside the VM; if it is Windows Server, update its integration services so it reports itself.",
        ),
    ),
    "kvp_disabled": FindingText(
        tr_noop("Findings", "Data Exchange (Key-Value Pair Exchange) is disabled on {vm}; AVMA needs it."),
        tr_noop(
            "Findings",
            "Enable Data Exchange for {vm} (console: Enable Data Exchange; or the VM's Settings > Integration Services).",
        ),
    ),
    "kvp_no_contact": FindingText(
        tr_noop(
            "Findings", "Data Exchange on {vm} reports '{status}': the guest's integration services are not answering."
        ),
        tr_noop(
            "Findings",
            "Start the Hyper-V Data Exchange Service (vmickvpexchange) inside {vm}, or update its integration services.",
        ),
    ),
    "non_avma_key": FindingText(
        tr_noop(
            "Findings", "{vm} carries {detail}, not the AVMA key for Windows Server {guest_version} {guest_edition}."
        ),
        tr_noop(
            "Findings",
            "To activate through AVMA, install {key} (console: Push AVMA key; or slmgr /ipk inside the guest).",
        ),
    ),
    "non_avma_key_no_key": FindingText(
        tr_noop(
            "Findings", "{vm} carries {detail}; AVMA has no key for Windows Server {guest_version} {guest_edition}."
        ),
        tr_noop("Findings", "Keep {vm} on its current licensing channel; AVMA cannot activate this edition."),
    ),
    "non_avma_key_unknown_os": FindingText(
        tr_noop(
            "Findings",
            "{vm} carries {detail}, not an AVMA key; its Windows version is not known, so neither is its AVMA key.",
        ),
        tr_noop(
            "Findings",
            "Let the guest report its version (start it, enable Data Exchange or give guest credentials), then scan again.",
        ),
    ),
    "kvp_stale_after_key_change": FindingText(
        tr_noop(
            "Findings",
            "{vm} now carries {detail}, but AVMA data from its former AVMA key is still in its KVP exchange.",
        ),
        tr_noop(
            "Findings",
            "Remove the AVMA KVP data as Microsoft requires when an AVMA key is replaced (console: Clean up KVP data).",
        ),
    ),
    # A VM whose state nothing else explains: say what is (not) known and how to find out.
    "no_avma_evidence": FindingText(
        "No AVMA activation of {vm} from {host} was ever seen (no AVMA data in its Data Exchange, no event 12310 "
        "for it); it may use another key (KMS, MAK, retail) or none.",
        "Scan with guest credentials to be sure (scan --guest-user, guest_username in the inventory, or "
        "Connections in the console); to move it to AVMA, push the AVMA key.",
    ),
    "no_avma_evidence_guest_error": FindingText(
        "No AVMA activation of {vm} from {host} was ever seen, and its licence could not be read inside the "
        "guest: {guest_error}",
        "{guest_fix}",
    ),
    "no_avma_evidence_kvp_only": FindingText(
        "{vm} has AVMA data in its Data Exchange, but no event 12310 for it is on {host} (the log may have been "
        "cleared or rolled over).",
        "Scan with guest credentials to read its licence, or check the Application log of {host} for event 12310.",
    ),
    "no_avma_evidence_not_activated": FindingText(
        "{vm} carries the AVMA key but is not activated, and no AVMA request from it reached {host}.",
        "Run slmgr /ato inside {vm} and look for event 12309 in its Application log, then scan again.",
    ),
    "no_avma_evidence_off": FindingText(
        "{vm} is not running ({power_state}), so there is no current evidence of its activation.",
        "Start {vm} and scan again (or ignore it if it is retired).",
    ),
    "avma_refused": FindingText(
        "{host} refused to activate {vm} (Activation Denied{code}): the key in the guest does not match its "
        "Windows version or edition, or {host} cannot activate it.",
        "Install the AVMA key for the guest's own version and edition{key} (console: Push AVMA key); scan with "
        "guest credentials to see which key it carries.",
    ),
    "avma_refused_invalid_host": FindingText(
        "The AVMA request of {vm} ended in Invalid Host{code}: {host} did not answer it as an activated "
        "Datacenter host.",
        "Check {host} with slmgr /dlv (activated Datacenter, Hyper-V role), then run slmgr /ato inside {vm}.",
    ),
    "avma_refused_invalid_data": FindingText(
        "{vm} and {host} could not exchange activation data (Invalid Data{code}).",
        "Restart the Data Exchange service in {vm} (vmickvpexchange) and run slmgr /ato inside it; if it persists, "
        "install the AVMA key again.",
    ),
    "cluster_node_cannot_activate": FindingText(
        tr_noop("Findings", "{subject} may fail over to {node}, which cannot activate {guests}: {reason}."),
        tr_noop(
            "Findings",
            "Fix {node} ({fix}), or keep {subject} off it (Set-ClusterOwnerNode with the nodes that can activate it).",
        ),
    ),
}


# Parts of sentences the diagnosis puts into a finding's fields (why a node cannot activate, what fixes it, which
# key a guest carries). Each is a template over the finding's plain fields, translated on its own (context
# "FindingFields") and filled before the sentence that holds it. A field whose value is not one of these (host
# names, host-supplied error text) is inserted as it is, never read as a template.
FIELD_PHRASES: frozenset[str] = frozenset(
    {
        tr_noop("FindingFields", "it runs {node_edition}"),
        tr_noop("FindingFields", "convert it to Datacenter"),
        tr_noop("FindingFields", "it is not activated"),
        tr_noop("FindingFields", "activate it"),
        tr_noop("FindingFields", "it has no Hyper-V role"),
        tr_noop("FindingFields", "install Hyper-V"),
        tr_noop("FindingFields", "it runs Windows Server {node_version}"),
        tr_noop("FindingFields", "upgrade it to Windows Server {required_version} or later"),
        tr_noop("FindingFields", "Windows Server {guest_versions} guests"),
        tr_noop("FindingFields", "its guests"),
        tr_noop("FindingFields", "any guest"),
        tr_noop("FindingFields", "Any VM in {cluster}"),
        tr_noop("FindingFields", "an unknown edition"),
        tr_noop("FindingFields", "a desktop Windows"),
        tr_noop("FindingFields", "no OS name reported"),
        tr_noop("FindingFields", "the AVMA key of Windows Server {key_version} {key_edition}"),
        tr_noop("FindingFields", "a KMS client key"),
        tr_noop("FindingFields", "a MAK (volume) key"),
        tr_noop("FindingFields", "a retail key"),
        tr_noop("FindingFields", "an OEM key"),
        tr_noop("FindingFields", "a key of an unknown channel"),
        tr_noop("FindingFields", "an AVMA key"),
        tr_noop(
            "FindingFields",
            "Check that WinRM answers (Test-WSMan), the credentials and the certificate, then scan again.",
        ),
    }
)
_PHRASE_SEPARATORS = ("; ", ", ")  # several blockers of one node: their reasons and fixes joined


def _same(phrase: str) -> str:
    return phrase


def expand_fields(fields: Mapping[str, str], translate_phrase: Callable[[str], str] = _same) -> dict[str, str]:
    """The fields with every phrase (FIELD_PHRASES, also joined by "; " or ", ") translated and filled in."""
    return {key: _expand(value, fields, translate_phrase) for key, value in fields.items()}


def _expand(value: str, fields: Mapping[str, str], translate_phrase: Callable[[str], str]) -> str:
    if value in FIELD_PHRASES:
        return _fill(translate_phrase(value), fields)
    for separator in _PHRASE_SEPARATORS:
        parts = value.split(separator)
        if len(parts) > 1 and all(part in FIELD_PHRASES for part in parts):
            return separator.join(_fill(translate_phrase(part), fields) for part in parts)
    return value


@by_fields
@dataclass(frozen=True, slots=True)
class Finding:
    """One diagnosed problem. `template` picks the sentence (defaults to the code); `fields` fill it in."""

    code: FindingCode
    severity: Severity
    fields: Mapping[str, str] = field(default_factory=dict)
    template: str = ""

    @property
    def text(self) -> FindingText:
        return FINDING_TEXTS[self.template or self.code.value]

    @property
    def message(self) -> str:
        return _fill(self.text.message, expand_fields(self.fields))

    @property
    def remediation(self) -> str:
        return _fill(self.text.remediation, expand_fields(self.fields))

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "remediation": self.remediation,
        }


class _KeepMissing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, fields: Mapping[str, str]) -> str:
    # format_map with str values only: a value containing braces is inserted literally, never re-parsed.
    return template.format_map(_KeepMissing(fields))
