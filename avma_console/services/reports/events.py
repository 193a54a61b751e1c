"""The events report: every stored AVMA event in the period, the hosts' 12310 and the guests' 12309, in order.

`--host` and `--vm` narrow it (a VM by name or id). The event data's layout is unconfirmed (avma-facts.md):
outcome and error code are what the console read out of it; the message is there for anything else.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from avma_console.domain.i18n import Translate, no_translation, tr_noop
from avma_console.services.report_documents import Cell, ReportKind, ReportTable
from avma_console.services.reports.common import ReportBody, ReportFilters, ReportSpec
from avma_console.store import HistoryStore, StoredEvent

HOST_EVENT_ID = 12310  # the host's Application log: the AVMA service answered a guest
GUEST_EVENT_ID = 12309  # the guest's Application log: the result of its activation attempt
# The columns of the events report and of the events dock's CSV export (services/history_access.py).
EVENTS_COLUMNS = (
    "time_utc",
    "event_id",
    "log",
    "host",
    "vm",
    "vm_id",
    "outcome",
    "error_code",
    "record_id",
    "message",
)
EVENTS_PRINT_COLUMNS = ("time_utc", "event_id", "log", "host", "vm", "outcome", "error_code")


def log_of(event: StoredEvent) -> str:
    """Whose log the event is from: the host's (12310) or the guest's (12309)."""
    return "host" if event.event_id == HOST_EVENT_ID else "guest" if event.event_id == GUEST_EVENT_ID else ""


def event_values(event: StoredEvent) -> tuple[Cell, ...]:
    """One event in EVENTS_COLUMNS order (the time as a datetime: each format writes it its own way)."""
    return (
        event.time_created,
        event.event_id,
        log_of(event),
        event.host,
        event.vm_name,
        event.vm_id,
        event.outcome,
        f"0x{event.error_code & 0xFFFFFFFF:08X}" if event.error_code is not None else None,
        event.record_id,
        event.message,
    )


def build_filtered(
    store: HistoryStore,
    start: datetime | None,
    end: datetime | None,
    filters: ReportFilters,
    translate: Translate = no_translation,
) -> ReportBody:
    events = store.events(host=filters.host, vm=filters.vm, since=start, until=end)
    sides = Counter(log_of(event) for event in events)
    outcomes = Counter(event.outcome or translate("Reports", "no outcome read") for event in events)
    summary: list[tuple[str, str]] = []
    if filters.host or filters.vm:
        chosen = [
            translate("Reports", "host {name}").format(name=filters.host) if filters.host else "",
            translate("Reports", "VM {name}").format(name=filters.vm) if filters.vm else "",
        ]
        summary.append((translate("Reports", "Only"), ", ".join(part for part in chosen if part)))
    summary.append(
        (
            translate("Reports", "Events"),
            translate("Reports", "{count} ({hosts} from hosts, 12310; {guests} from guests, 12309)").format(
                count=len(events), hosts=sides["host"], guests=sides["guest"]
            ),
        )
    )
    summary.append(
        (
            translate("Reports", "Outcomes"),
            ", ".join(f"{count} {name}" for name, count in outcomes.most_common()) or translate("Reports", "none"),
        )
    )
    empty = (
        tr_noop("Reports", "No AVMA events stored for this period and choice.")
        if filters.host or filters.vm
        else tr_noop("Reports", "No AVMA events stored for this period.")
    )
    return ReportBody(
        summary=tuple(summary),
        tables=(
            ReportTable(
                translate("Reports", "AVMA events (12310 on the hosts, 12309 in the guests)"),
                EVENTS_COLUMNS,
                tuple(event_values(event) for event in events),
                print_columns=EVENTS_PRINT_COLUMNS,
                empty_text=empty,
            ),
        ),
        notes=(
            translate(
                "Reports",
                "Guest events (12309) are collected by scans with guest credentials; each scan reads only the events "
                "newer than the last one stored, from hosts and guests alike.",
            ),
        ),
    )


def build(store: HistoryStore, start: datetime | None, end: datetime | None, translate: Translate) -> ReportBody:
    return build_filtered(store, start, end, ReportFilters(), translate)


SPEC = ReportSpec(ReportKind.EVENTS, tr_noop("Reports", "AVMA events"), build, filtered_build=build_filtered)
