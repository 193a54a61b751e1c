"""Licence reports from the history: inventory, compliance (SPLA), changes and AVMA events.

Each report is built once as plain data (`Report`, see report_documents.py: tables, a summary and the
fleet matrix) and then written as CSV, HTML or (through Qt) PDF. Each report is one module declaring its
columns and a `SPEC` (reports/common.py: `ReportSpec`); `build_report` finds it in `REPORTS`.
"""

from __future__ import annotations

from datetime import datetime

from avma_console.domain.i18n import Translate, no_translation
from avma_console.services.report_documents import (
    REPORT_FORMATS,
    MatrixSummary,
    Report,
    ReportKind,
    ReportTable,
    report_csv,
    report_html,
)
from avma_console.services.reports import changes, compliance, events, inventory
from avma_console.services.reports.changes import CHANGES_COLUMNS
from avma_console.services.reports.common import ReportError, ReportFilters, ReportSpec, assemble, fleet_matrix
from avma_console.services.reports.compliance import COMPLIANCE_COLUMNS, EVIDENCE_COLUMNS
from avma_console.services.reports.events import EVENTS_COLUMNS
from avma_console.services.reports.inventory import INVENTORY_COLUMNS, INVENTORY_PRINT_COLUMNS
from avma_console.store import HistoryStore

REPORTS: dict[ReportKind, ReportSpec] = {
    spec.kind: spec for spec in (inventory.SPEC, compliance.SPEC, changes.SPEC, events.SPEC)
}


def build_report(
    store: HistoryStore,
    kind: ReportKind | str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
    filters: ReportFilters | None = None,
    translate: Translate = no_translation,
) -> Report:
    """`start` inclusive, `end` exclusive (UTC); `now`: when the report is made, by default the store's clock.
    Inventory uses the latest snapshot before `end`. Months follow the rule in domain/periods.py. `filters`
    (a host, a VM) narrow the reports that take them (events); others refuse them with a ReportError.
    `translate`: the language of the report's words (titles, headers, notes); its data (names, codes, CSV
    columns) stays as it is."""
    return assemble(
        REPORTS[ReportKind(kind)], store, start, end, now or store.clock.now(), filters=filters, translate=translate
    )


__all__ = [
    "CHANGES_COLUMNS",
    "COMPLIANCE_COLUMNS",
    "EVENTS_COLUMNS",
    "EVIDENCE_COLUMNS",
    "INVENTORY_COLUMNS",
    "INVENTORY_PRINT_COLUMNS",
    "REPORTS",
    "REPORT_FORMATS",
    "MatrixSummary",
    "Report",
    "ReportError",
    "ReportFilters",
    "ReportKind",
    "ReportSpec",
    "ReportTable",
    "build_report",
    "fleet_matrix",
    "report_csv",
    "report_html",
]
