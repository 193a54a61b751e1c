"""Reports as PDF: the report's print HTML laid out by QTextDocument and painted page by page into QPdfWriter.

Works without a display (the `report` command runs from schedulers): with no running Qt application one is
created, on the offscreen platform when Linux has no display to talk to.

The pages are painted here rather than with `QTextDocument.print_`, which adds its own 2 cm margin and a
bare page number; this way the margins are ours and every page carries the report's title and "page n of N".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QTextDocument,
)

from avma_console import __version__
from avma_console.services.report_documents import Report, report_html

RESOLUTION_DPI = 300
_MARGIN_MM = 10.0
_BASE_POINT_SIZE = 7.0
_FOOTER_POINT_SIZE = 7.0
# The application object this module created, kept alive for the rest of the process.
_APPLICATION: list[QGuiApplication] = []


def ensure_application() -> None:
    if QGuiApplication.instance() is not None:
        return
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and headless and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _APPLICATION.append(QGuiApplication(["avma-console-report"]))


def report_document(report: Report) -> QTextDocument:
    document = QTextDocument()
    font = QFont("DejaVu Sans")
    font.setPointSizeF(_BASE_POINT_SIZE)
    document.setDefaultFont(font)
    document.setHtml(report_html(report, for_print=True))
    return document


def render_pdf(report: Report, path: Path) -> int:
    """Write the report to `path` (A4 landscape: the main tables have ten or more columns).

    Returns the number of pages. Raises OSError if the file cannot be written.
    """
    ensure_application()
    # QPdfWriter reports nothing when it cannot open its file; find out first, in Python, with the reason.
    with path.open("wb"):
        pass
    writer = QPdfWriter(str(path))
    writer.setCreator(f"AVMA Console {__version__}")
    writer.setTitle(report.title)
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setPageMargins(QMarginsF(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM, _MARGIN_MM), QPageLayout.Unit.Millimeter)

    document = report_document(report)
    layout = document.documentLayout()
    layout.setPaintDevice(writer)  # measure text at the writer's resolution, not the screen's
    width, height = float(writer.width()), float(writer.height())
    footer_height = RESOLUTION_DPI * 0.25
    page_height = height - footer_height
    document.setPageSize(QSizeF(width, page_height))
    pages = document.pageCount()

    # Black on white whatever the desktop theme: a dark palette would print white text.
    context = QAbstractTextDocumentLayout.PaintContext()
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Text, QColor("#222222"))
    context.palette = palette
    footer_font = QFont("DejaVu Sans")
    footer_font.setPointSizeF(_FOOTER_POINT_SIZE)

    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Qt could not start writing {path}")
    try:
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            painter.translate(0, -page * page_height)
            context.clip = QRectF(0, page * page_height, width, page_height)
            painter.setClipRect(context.clip)
            layout.draw(painter, context)
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor("#555555"))
            footer = QRectF(0, page_height, width, footer_height)
            painter.drawText(
                footer,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
                f"{report.title} · {report.generated_at:%Y-%m-%d %H:%M} UTC",
            )
            page_text = report.translate("Reports", "page {page} of {pages}").format(page=page + 1, pages=pages)
            painter.drawText(footer, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), page_text)
    finally:
        painter.end()
    if path.stat().st_size == 0:
        raise OSError(f"Qt wrote nothing to {path}")
    return pages
