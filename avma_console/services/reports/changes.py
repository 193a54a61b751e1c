"""The changes report: state changes, moves, key changes and operator actions in the period, in order."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from avma_console.domain.i18n import Translate, tr_noop
from avma_console.services.report_documents import (
    Cell,
    ReportKind,
    ReportTable,
)
from avma_console.services.reports import common
from avma_console.services.reports.common import ReportBody, ReportSpec
from avma_console.store import HistoryStore

CHANGES_COLUMNS = (
    "time_utc",
    "change",
    "vm",
    "vm_id",
    "from_host",
    "to_host",
    "from_state",
    "to_state",
    "from_key",
    "to_key",
    "who",
    "action",
    "result",
    "details",
)


_CHANGE_LABELS = {
    "state": tr_noop("Reports", "state changes"),
    "host": tr_noop("Reports", "moves to another host"),
    "key": tr_noop("Reports", "key changes"),
    "appeared": tr_noop("Reports", "new VMs"),
    "vanished": tr_noop("Reports", "VMs gone"),
    "audit": tr_noop("Reports", "operator actions"),
}


def build(store: HistoryStore, start: datetime | None, end: datetime | None, translate: Translate) -> ReportBody:
    transitions = store.transitions(since=start, until=end)
    audit = store.audit_entries(since=start, until=end)
    rows: list[tuple[datetime, int, tuple[Cell, ...]]] = []
    kinds: Counter[str] = Counter()
    for transition in transitions:
        change = ", ".join(transition.kinds)
        kinds.update(transition.kinds)
        rows.append(
            (
                transition.at,
                transition.id,
                (
                    transition.at,
                    change,
                    transition.vm_name,
                    transition.vm_id,
                    transition.from_host,
                    transition.to_host,
                    transition.from_state,
                    transition.to_state,
                    common.key_text(transition.from_key_channel, transition.from_partial_key),
                    common.key_text(transition.to_key_channel, transition.to_partial_key),
                    None,
                    None,
                    None,
                    None,
                ),
            )
        )
    for entry in audit:
        kinds["audit"] += 1
        details = dict(entry.details)
        if entry.error:
            details = {"error": entry.error, **details}
        rows.append(
            (
                entry.at,
                entry.id,
                (
                    entry.at,
                    "audit",
                    entry.target_vm,
                    entry.vm_id,
                    None,
                    entry.target_host,
                    None,
                    None,
                    None,
                    f"…{entry.key_last5}" if entry.key_last5 else None,
                    entry.who,
                    entry.action,
                    entry.result,
                    json.dumps(details, ensure_ascii=False, sort_keys=True) if details else None,
                ),
            )
        )
    rows.sort(key=lambda item: (item[0], item[1]))
    summary = (
        (
            translate("Reports", "Changes"),
            ", ".join(
                f"{kinds[kind]} {translate('Reports', label)}" for kind, label in _CHANGE_LABELS.items() if kinds[kind]
            )
            or translate("Reports", "none"),
        ),
    )
    return ReportBody(
        summary=summary,
        tables=(
            ReportTable(
                translate("Reports", "State changes, moves, key changes and operator actions"),
                CHANGES_COLUMNS,
                tuple(row for _at, _id, row in rows),
                # On paper: all but the VM id and the details, which need the width of a screen.
                print_columns=tuple(column for column in CHANGES_COLUMNS if column not in {"vm_id", "details"}),
                state_columns=("from_state", "to_state"),
            ),
        ),
    )


SPEC = ReportSpec(ReportKind.CHANGES, tr_noop("Reports", "AVMA changes"), build)
