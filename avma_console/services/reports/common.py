"""What every report shares: one way to declare a report (`ReportSpec`: its kind, title and a builder of its
body), the frame every report gets (title, when, from where, the period), the fleet matrix and small helpers.

A report module declares its columns and its builder, which returns only its own summary lines, tables,
matrix and notes (`ReportBody`); `assemble` puts the frame around it. A new report is one module with a
`SPEC`, listed in `REPORTS` (reports/__init__.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from avma_console.domain.i18n import Translate, no_translation
from avma_console.domain.matrix import host_can_activate
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import MAIN_VERSIONS, ServerVersion
from avma_console.services.report_documents import (
    UNKNOWN_VERSION,
    MatrixSummary,
    Report,
    ReportKind,
    ReportTable,
    describe_period,
)
from avma_console.store import HistoryStore, HostState, VmState


class ReportError(Exception):
    """The report cannot be made from this history; the message says what to do."""


@dataclass(frozen=True, slots=True)
class ReportBody:
    """What a report's builder makes: its own summary lines, its tables (the first is the main one), and more."""

    summary: tuple[tuple[str, str], ...]
    tables: tuple[ReportTable, ...]
    matrix: MatrixSummary | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportFilters:
    """A report narrowed to one host and/or one VM (name or id); only reports with a `filtered_build` take it."""

    host: str | None = None
    vm: str | None = None

    def __bool__(self) -> bool:
        return bool(self.host or self.vm)


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """One report: its kind, its title, whether it covers a period (else: one snapshot), and its builder
    (`filtered_build`: the builder that also takes `ReportFilters`, for reports that can be narrowed)."""

    kind: ReportKind
    title: str
    # (store, start, end, translate): the body in the reader's language
    build: Callable[[HistoryStore, datetime | None, datetime | None, Translate], ReportBody]
    periodic: bool = True
    filtered_build: (
        Callable[[HistoryStore, datetime | None, datetime | None, ReportFilters, Translate], ReportBody] | None
    ) = None


def assemble(
    spec: ReportSpec,
    store: HistoryStore,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    *,
    filters: ReportFilters | None = None,
    translate: Translate = no_translation,
) -> Report:
    """The report `spec` builds, in the frame every report has; a periodic report's summary starts with its period."""
    if filters:
        if spec.filtered_build is None:
            raise ReportError(f"--host and --vm narrow the events report only; drop them for --kind {spec.kind}")
        body = spec.filtered_build(store, start, end, filters, translate)
    else:
        body = spec.build(store, start, end, translate)
    period = ((translate("Reports", "Period"), describe_period(start, end, translate)),) if spec.periodic else ()
    return Report(
        kind=spec.kind,
        title=translate("Reports", spec.title),
        generated_at=now,
        source=store.location,
        period_start=start if spec.periodic else None,
        period_end=end,
        summary=(*period, *body.summary),
        tables=body.tables,
        matrix=body.matrix,
        notes=body.notes,
        translate=translate,
    )


# ---------------------------------------------------------------------------------------------------------
# The fleet matrix


def fleet_matrix(
    hosts: Sequence[HostState], vms: Sequence[VmState], snapshot_id: int, scanned_at: datetime
) -> MatrixSummary:
    """Host version x guest version counts of one snapshot; a guest AVMA cannot serve on its host is marked."""
    host_version = {host.host: host.version for host in hosts}
    counts: Counter[tuple[str, str]] = Counter()
    for vm in vms:
        counts[(host_version.get(vm.host) or UNKNOWN_VERSION, vm.guest_version or UNKNOWN_VERSION)] += 1
    host_versions = _version_order({h for h, _g in counts} | {v for v in host_version.values() if v})
    guest_versions = _version_order({g for _h, g in counts})
    incompatible = frozenset(
        (h, g)
        for h in host_versions
        for g in guest_versions
        if UNKNOWN_VERSION not in (h, g) and not _can_activate(h, g)
    )
    return MatrixSummary(host_versions, guest_versions, dict(counts), incompatible, snapshot_id, scanned_at)


def _can_activate(host: str, guest: str) -> bool:
    try:
        return host_can_activate(ServerVersion(host), ServerVersion(guest))
    except ValueError:
        return True  # a version this build does not know: no claim either way


def _version_order(values: set[str]) -> tuple[str, ...]:
    """Newest first, like the published matrix; unknown versions last."""
    order = {version.value: index for index, version in enumerate(reversed(list(ServerVersion)))}
    main = {version.value for version in MAIN_VERSIONS}
    return tuple(
        sorted(values, key=lambda value: (value == UNKNOWN_VERSION, value not in main, order.get(value, 99), value))
    )


# ---------------------------------------------------------------------------------------------------------
# Small helpers


def key_text(channel: str | None, partial: str | None) -> str | None:
    if channel is None and partial is None:
        return None
    return f"{channel or '?'} …{partial}" if partial else channel


_SEVERITY_RANK = {"error": 2, "warning": 1, "info": 0}


def main_problem(vm: VmState) -> str | None:
    """The most severe finding's sentence: what a reader of a printed inventory acts on first."""
    worst = max(vm.findings, key=lambda finding: _SEVERITY_RANK.get(finding.severity, -1), default=None)
    return worst.message if worst else None


def is_problem(state: str) -> bool:
    try:
        return ActivationState(state).is_problem
    except ValueError:
        return True


def category_of(state: str | None) -> str:
    if state == ActivationState.AVMA_ACTIVATED:
        return "avma"
    if state == ActivationState.ACTIVATED_OTHER:
        return "other"
    if state in (None, ActivationState.UNKNOWN, ActivationState.UNREACHABLE):
        return "no_evidence"
    return "not_activated"


def by_severity(counts: Counter[str]) -> list[tuple[str, int]]:
    def rank(state: str) -> int:
        try:
            return ActivationState(state).severity_rank
        except ValueError:
            return 99

    return sorted(counts.items(), key=lambda item: -rank(item[0]))


def no_scans(store: HistoryStore, end: datetime | None, start: datetime | None = None) -> str:
    where = ""
    if start or end:
        where = f" in the period ({describe_period(start, end)})"
    return (
        f"the history {store.location} has no recorded scans{where}; record one with "
        "`avma-console scan --record` (same --history), or choose another --from/--to"
    )
