"""Licence reports as documents: the data of a report (`Report`) and its CSV and HTML forms.

Independent of the history database, so the Qt layer's PDF writer (avma_console/qt/reports_pdf.py) can render
reports without depending on the store. Every value comes from hosts or tenants (VM names, messages): CSV
cells are spreadsheet-safe and HTML escapes everything.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from avma_console.domain.i18n import Translate, no_translation, tr_noop
from avma_console.domain.states import STATE_LABELS, ActivationState, StateTone
from avma_console.domain.versions import ServerVersion
from avma_console.services.fleet_formats import spreadsheet_safe

Cell = str | int | bool | datetime | None

UNKNOWN_VERSION = "?"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # Excel and LibreOffice read this as a date-time; all times are UTC


class ReportKind(StrEnum):
    INVENTORY = "inventory"
    COMPLIANCE = "compliance"
    CHANGES = "changes"
    EVENTS = "events"


REPORT_FORMATS = ("csv", "html", "pdf")


@dataclass(frozen=True, slots=True)
class ReportTable:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    # The columns that fit a printed page; None: all of them.
    print_columns: tuple[str, ...] | None = None
    state_columns: tuple[str, ...] = ()  # columns holding state values: shown with their tone and glyph
    empty_text: str = tr_noop("Reports", "Nothing in this period.")  # translated when written

    def column(self, name: str) -> list[Cell]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


@dataclass(frozen=True, slots=True)
class MatrixSummary:
    """How many VMs run on which host version per guest version; cells AVMA cannot serve are marked."""

    host_versions: tuple[str, ...]
    guest_versions: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]
    incompatible: frozenset[tuple[str, str]]
    snapshot_id: int
    scanned_at: datetime

    def count(self, host_version: str, guest_version: str) -> int:
        return self.counts.get((host_version, guest_version), 0)


@dataclass(frozen=True, slots=True)
class Report:
    kind: ReportKind
    title: str
    generated_at: datetime
    source: str  # the history's location, password masked
    period_start: datetime | None
    period_end: datetime | None
    summary: tuple[tuple[str, str], ...]
    tables: tuple[ReportTable, ...]
    matrix: MatrixSummary | None = None
    notes: tuple[str, ...] = field(default=())
    # The language the report was built in; HTML and PDF write their own words (headers, notes) in it too.
    translate: Translate = field(default=no_translation, compare=False, repr=False)

    @property
    def main_table(self) -> ReportTable:
        return self.tables[0]


# ---------------------------------------------------------------------------------------------------------
# Writing


def report_csv(report: Report, table: ReportTable | None = None) -> str:
    """The main table (or the one given) as CSV that Excel opens cleanly: UTF-8 BOM, no formula cells."""
    table = table or report.main_table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([spreadsheet_safe(_text(value)) for value in row])
    return "\ufeff" + buffer.getvalue()


# The console's light-theme tints (avma_console/qt/theme.py); services cannot import Qt, so they are data here.
_TONE_STYLE: dict[StateTone, tuple[str, str]] = {
    StateTone.GOOD: ("#1b5e20", "#e6f4e7"),
    StateTone.OTHER: ("#0d47a1", "#e3eefb"),
    StateTone.WARNING: ("#8a5300", "#fff4d6"),
    StateTone.ERROR: ("#b71c1c", "#fde7e7"),
    StateTone.NEUTRAL: ("#505050", "#eeeeee"),
}
_GLYPH: dict[StateTone, str] = {
    StateTone.GOOD: "✓",
    StateTone.OTHER: "✓",
    StateTone.WARNING: "!",
    StateTone.ERROR: "✗",
    StateTone.NEUTRAL: "?",
}


def report_html(report: Report, *, for_print: bool = False) -> str:
    """A self-contained HTML page. `for_print`: the narrower layout QTextDocument paginates into the PDF
    (print columns only, attributes where Qt ignores CSS)."""
    e, translate = _escape, report.translate
    generated = translate("Reports", "Generated {time} UTC from {source}. All times are UTC.")
    language = translate("Reports", "en")  # the HTML lang attribute: the translation's language code
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(language)}"><head><meta charset="utf-8">',
        f"<title>{e(report.title)}</title>",
        f"<style>{_css(for_print)}</style>",
        "</head><body>",
        f"<h1>{e(report.title)}</h1>",
        f'<p class="meta">{e(generated.format(time=format_time(report.generated_at), source=report.source))}</p>',
    ]
    parts.append(_table_attributes("summary", for_print))
    parts.extend(f"<tr><th>{e(label)}</th><td>{e(value)}</td></tr>" for label, value in report.summary)
    parts.append("</table>")
    if report.matrix is not None:
        parts.append(_matrix_html(report.matrix, for_print, translate))
    for table in report.tables:
        parts.append(_table_html(table, for_print, translate))
    parts.extend(f'<p class="note">{e(note)}</p>' for note in report.notes)
    parts.append("</body></html>")
    return "\n".join(parts)


def _css(for_print: bool) -> str:
    tones = "".join(
        f".tone-{tone.value}{{color:{text};background-color:{tint};}}" for tone, (text, tint) in _TONE_STYLE.items()
    )
    size = "7pt" if for_print else "10pt"
    return (
        f"body{{font-family:'DejaVu Sans',Arial,sans-serif;font-size:{size};color:#222;}}"
        "h1{font-size:16pt;margin:0 0 4pt 0;}h2{font-size:12pt;margin:12pt 0 4pt 0;}"
        "p.meta,p.note{color:#555;}"
        "table{border-collapse:collapse;margin-bottom:6pt;}"
        "th,td{border:1px solid #bbb;padding:2px 4px;text-align:left;vertical-align:top;}"
        "th{background-color:#eef1f5;}"
        "table.summary th{width:20%;}"
        "td.num{text-align:right;}"
        ".bad{color:#b71c1c;background-color:#fde7e7;font-weight:bold;}"
        ".na{color:#999;background-color:#f4f4f4;}"
        f"{tones}"
    )


def _table_attributes(css_class: str, for_print: bool) -> str:
    # QTextDocument draws cell borders from these attributes, not from CSS borders.
    extra = ' border="1" cellspacing="0" cellpadding="3"' if for_print else ""
    return f'<table class="{css_class}"{extra}>'


def _matrix_html(matrix: MatrixSummary, for_print: bool, translate: Translate) -> str:
    e = _escape
    about = translate(
        "Reports",
        "Snapshot #{id}, {time} UTC. Cells marked ✗ hold guests their host's version cannot activate through AVMA; "
        "grey cells are combinations AVMA does not support.",
    )
    heading = translate("Reports", "Fleet matrix: VMs by host version (rows) and guest version (columns)")
    corner = translate("Reports", "host \\ guest")
    total_header = translate("Reports", "total")
    parts = [
        f"<h2>{e(heading)}</h2>",
        f'<p class="meta">{e(about.format(id=matrix.snapshot_id, time=format_time(matrix.scanned_at)))}</p>',
        _table_attributes("matrix", for_print),
        f"<thead><tr><th>{e(corner)}</th>",
    ]
    parts.extend(f"<th>{e(_version_label(guest, translate))}</th>" for guest in matrix.guest_versions)
    parts.append(f"<th>{e(total_header)}</th></tr></thead><tbody>")
    for host in matrix.host_versions:
        parts.append(f"<tr><th>{e(_version_label(host, translate))}</th>")
        for guest in matrix.guest_versions:
            count = matrix.count(host, guest)
            if (host, guest) in matrix.incompatible:
                if count:
                    parts.append(f'<td class="num bad">✗ {count}</td>')
                else:
                    parts.append('<td class="num na">–</td>')
            else:
                parts.append(f'<td class="num">{count or ""}</td>')
        total = sum(matrix.count(host, guest) for guest in matrix.guest_versions)
        parts.append(f'<td class="num"><b>{total}</b></td></tr>')
    parts.append("</tbody></table>")
    return "\n".join(parts)


def _table_html(table: ReportTable, for_print: bool, translate: Translate) -> str:
    e = _escape
    columns = table.columns
    if for_print and table.print_columns is not None:
        columns = tuple(column for column in table.columns if column in table.print_columns)
    indexes = [table.columns.index(column) for column in columns]
    parts = [f"<h2>{e(table.title)}</h2>"]
    if not table.rows:
        parts.append(f'<p class="note">{e(translate("Reports", table.empty_text))}</p>')
        return "\n".join(parts)
    parts.append(_table_attributes("data", for_print))
    # Spaces instead of underscores let narrow printed columns wrap between words.
    headers = "".join(f"<th>{e(column_header(column, translate))}</th>" for column in columns)
    parts.append(f"<thead><tr>{headers}</tr></thead><tbody>")
    for row in table.rows:
        cells = []
        for column, index in zip(columns, indexes, strict=True):
            value = row[index]
            if column in table.state_columns and isinstance(value, str) and value:
                tone = _tone(value)
                cells.append(
                    f'<td class="tone-{tone.value}">{e(_GLYPH[tone])}&nbsp;{e(state_text(value, translate))}</td>'
                )
            elif isinstance(value, bool):  # CSV keeps True/False; readers get the words
                word = translate("Reports", "yes") if value else translate("Reports", "no")
                cells.append(f"<td>{e(word)}</td>")
            elif isinstance(value, int):
                cells.append(f'<td class="num">{e(_text(value))}</td>')
            else:
                cells.append(f"<td>{e(_text(value))}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------------------
# Small helpers


def column_header(column: str, translate: Translate) -> str:
    """A column's printed header: its key in words (CSV keeps the key, a machine format), translated."""
    return translate("ReportColumns", column.replace("_", " "))


def state_text(state: str, translate: Translate) -> str:
    """A state's name for readers; a value this build does not know is shown as it is."""
    try:
        return translate("State", STATE_LABELS[ActivationState(state)])
    except ValueError:
        return state


def _escape(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_time(value)
    return str(value)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime(TIME_FORMAT)


def describe_period(start: datetime | None, end: datetime | None, translate: Translate = no_translation) -> str:
    if start is None and end is None:
        return translate("Reports", "everything recorded")
    since = (
        translate("Reports", "from {start}").format(start=format_time(start))
        if start
        else translate("Reports", "from the first record")
    )
    until = (
        translate("Reports", "until {end} (excluded)").format(end=format_time(end))
        if end
        else translate("Reports", "to the last record")
    )
    return translate("Reports", "{since} {until}, UTC").format(since=since, until=until)


def _tone(state: str) -> StateTone:
    try:
        return ActivationState(state).tone
    except ValueError:
        return StateTone.NEUTRAL


def _version_label(value: str, translate: Translate) -> str:
    if value == UNKNOWN_VERSION:
        return translate("Reports", "unknown")
    try:
        return ServerVersion(value).label
    except ValueError:
        return value
