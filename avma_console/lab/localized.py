"""What a lab host says in its display language (`"locale"` in the fleet file: en-US or de-DE).

A German Windows Server names its integration services, status texts, event messages and error records in German
(the Data Exchange service is "Datenaustausch", a lost guest "Keinen Kontakt"), while IDs, enums, numbers and the
scripts' own culture-invariant output ('o' dates, JSON) stay the same. The console must scan both alike: it finds
Data Exchange by its ID and never parses a localized text for a fact it can read from data.
"""

from __future__ import annotations

from datetime import UTC, datetime

from avma_console.domain.states import AvmaOutcome

KVP_SERVICE_ID = "2A34B1C2-FD73-4043-8A5B-DD2159BC743F"
KVP_SERVICE_NAMES = {"en-US": "Key-Value Pair Exchange", "de-DE": "Datenaustausch"}
_STATUS = {"en-US": {"OK": "OK", "No Contact": "No Contact"}, "de-DE": {"OK": "OK", "No Contact": "Keinen Kontakt"}}
_OUTCOMES_DE = {
    AvmaOutcome.SUCCESS: "AVMA erfolgreich",
    AvmaOutcome.INVALID_HOST: "Ungültiger Host",
    AvmaOutcome.INVALID_DATA: "Ungültige Daten",
    AvmaOutcome.ACTIVATION_DENIED: "Aktivierung verweigert",
}
# The German texts of the error records the lab's hosts write (PowerShell's de-DE resources, as far as known).
_ERRORS_DE = {
    "The credential is invalid.": "Die Anmeldeinformationen sind ungültig.",
    'Cannot convert value to type "System.DateTime".': 'Der Wert kann nicht in den Typ "System.DateTime" konvertiert '
    "werden.",
    "The property 'password' cannot be found on this object.": 'Die Eigenschaft "password" wurde für dieses Objekt '
    "nicht gefunden.",
}


def kvp_status(locale: str, *, running: bool, enabled: bool, no_contact: bool) -> str:
    """PrimaryStatusDescription of a VM's Data Exchange service, in the host's language ("" when off)."""
    if not (running and enabled):
        return ""
    return _STATUS[locale]["No Contact" if no_contact else "OK"]


def error_text(locale: str, english: str) -> str:
    """An error record's text as the host's PowerShell writes it (English where the German text is unknown)."""
    if locale == "de-DE":
        return _ERRORS_DE.get(english, english)
    return english


def host_event_message(
    locale: str, *, vm_name: str, vm_id: str, outcome: AvmaOutcome, hresult: int, when: datetime
) -> str:
    """Event 12310's rendered message (its data, the insertion strings, are the same in every language)."""
    if locale == "de-DE":
        stamp = when.astimezone(UTC).strftime("%d.%m.%Y %H:%M:%S")
        return (
            f"Die Anforderung zur automatischen Aktivierung virtueller Computer vom virtuellen Computer '{vm_name}' "
            f"({vm_id}) wurde am {stamp} verarbeitet. Ergebnis: {_OUTCOMES_DE[outcome]} (0x{hresult:08X})."
        )
    return (
        f"The Automatic Virtual Machine Activation request from virtual machine '{vm_name}' ({vm_id}) "
        f"was processed. Result: {outcome.value} (0x{hresult:08X})."
    )
