"""`avma-console report`: a licence report from the history, as CSV, HTML or PDF.

The PDF writer lives in the Qt layer; the command line hands it in (`render_pdf`), so this module and
everything headless stay free of Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.i18n import Translate, no_translation
from avma_console.services.arguments import Output
from avma_console.services.history import open_history
from avma_console.services.reports import (
    Report,
    ReportError,
    ReportFilters,
    build_report,
    report_csv,
    report_html,
)
from avma_console.store import HistoryError, HistoryUnavailableError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

PdfRenderer = Callable[[Report, Path], None]


def run_report_command(
    *,
    history: str | None,
    kind: str,
    start: datetime | None,
    end: datetime | None,
    output: Output,
    render_pdf: PdfRenderer | None = None,
    clock: Clock = SYSTEM_CLOCK,
    host: str | None = None,
    vm: str | None = None,
    translate: Translate = no_translation,
) -> int:
    output_format, path = output.format, output.path
    if start is not None and end is not None and start >= end:
        return _fail(
            f"--from ({start:%Y-%m-%d %H:%M} UTC) is not before --to ({end:%Y-%m-%d %H:%M} UTC); swap them", EXIT_USAGE
        )
    if output_format == "pdf" and path is None:
        return _fail("--format pdf needs --output FILE.pdf (a PDF is not written to the terminal)", EXIT_USAGE)
    if output_format == "pdf" and render_pdf is None:
        return _fail("PDF output is not available in this installation; use --format html or csv", EXIT_USAGE)
    try:
        store = open_history(history, create=False, clock=clock)
    except HistoryError as error:
        return _fail(str(error), EXIT_FAILED if isinstance(error, HistoryUnavailableError) else EXIT_USAGE)
    try:
        # CSV is a machine format: its words stay English whatever the language.
        words = no_translation if output_format == "csv" else translate
        report = build_report(store, kind, start=start, end=end, filters=ReportFilters(host, vm), translate=words)
    except ReportError as error:
        return _fail(str(error), EXIT_USAGE if host or vm else EXIT_FAILED)
    except HistoryError as error:
        return _fail(str(error), EXIT_FAILED)
    finally:
        store.close()
    if output_format == "csv":
        output.write(report_csv(report))
    elif output_format == "html":
        output.write(report_html(report))
    else:
        assert render_pdf is not None
        assert path is not None
        try:
            render_pdf(report, path)
        except OSError as error:
            return _fail(f"cannot write {path}: {error.strerror or error}; choose a writable --output path", EXIT_USAGE)
    return EXIT_OK


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"avma-console report: {message}\n")
    return code
