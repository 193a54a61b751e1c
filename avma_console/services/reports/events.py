"""The events report: every stored AVMA event in the period, the hosts' 12310 and the guests' 12309, in order.

`--host` and `--vm` narrow it (a VM by name or id). The event data's layout is unconfirmed (avma-facts.md):
outcome and error code are what the console read out of it; the message is there for anything else.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from avma_console.services.report_documents import Cell, ReportKind, ReportTable
from avma_console.services.reports.common import ReportBody, ReportFilters, ReportSpec
from avma_console.store import HistoryStore, StoredEvent

HOST_EVENT_ID, GUEST_EVENT_ID = 12310, 12309
EVENTS_COLUMNS = (
    "event_id",
    "time_utc",
    "side",
    "host",
    "vm",
    "vm_id",
    "outcome",
    "error_code",
    "record_id",
    "computer",
    "message",
)
EVENTS_PRINT_COLUMNS = ("event_id", "time_utc", "side", "host", "vm", "outcome", "error_code")


def side_of(event: StoredEvent) -> str:
    """Whose log the event is from: the host's (12310) or the guest's (12309)."""
    return "guest" if event.event_id == GUEST_EVENT_ID else "host"


def error_code_text(code: int | None) -> str | None:
    return f"0x{code:08X}" if code is not None else None


def _row(event: StoredEvent) -> tuple[Cell, ...]:
    return (
        event.event_id,
        event.time_created,
        side_of(event),
        event.host,
        event.vm_name,
        event.vm_id,
        event.outcome,
        error_code_text(event.error_code),
        event.record_id,
        event.computer,
        event.message,
    )


def build_filtered(
    store: HistoryStore, start: datetime | None, end: datetime | None, filters: ReportFilters
) -> ReportBody:
    events = store.events(host=filters.host, vm=filters.vm, since=start, until=end)
    sides = Counter(side_of(event) for event in events)
    outcomes = Counter(event.outcome or "no outcome read" for event in events)
    summary: list[tuple[str, str]] = []
    if filters.host or filters.vm:
        chosen = [f"host {filters.host}" if filters.host else "", f"VM {filters.vm}" if filters.vm else ""]
        summary.append(("Only", ", ".join(part for part in chosen if part)))
    summary.append(
        ("Events", f"{len(events)} ({sides['host']} from hosts, 12310; {sides['guest']} from guests, 12309)")
    )
    summary.append(("Outcomes", ", ".join(f"{count} {name}" for name, count in outcomes.most_common()) or "none"))
    return ReportBody(
        summary=tuple(summary),
        tables=(
            ReportTable(
                "AVMA events (12310 on the hosts, 12309 in the guests)",
                EVENTS_COLUMNS,
                tuple(_row(event) for event in events),
                print_columns=EVENTS_PRINT_COLUMNS,
                empty_text="No AVMA events stored for this period"
                + (" and choice." if filters.host or filters.vm else "."),
            ),
        ),
        notes=(
            "Guest events (12309) are collected by scans with guest credentials; each scan reads only the events "
            "newer than the last one stored, from hosts and guests alike.",
        ),
    )


def build(store: HistoryStore, start: datetime | None, end: datetime | None) -> ReportBody:
    return build_filtered(store, start, end, ReportFilters())


SPEC = ReportSpec(ReportKind.EVENTS, "AVMA events", build, filtered_build=build_filtered)
