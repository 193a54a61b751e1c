"""Colours, icons and labels of the activation states: the one place that decides how a state looks.

Every state is shown with colour, a distinct icon SHAPE and text, so nobody depends on telling red from
green: a check mark (AVMA activated), an info circle (activated through another channel), a warning
triangle (grace), a cross (refused or unlicensed), a question mark (unknown) and a plug (unreachable); the
display categories beside the states have their own shapes: a diamond with failover arrows (at risk: fine
today, would fail on failover) and a dashed circle (not applicable: client OS). Host readiness badges reuse
the check and the cross.
Colours adapt to the palette: text colours are chosen by the lightness of the window background, so the
tree stays readable in dark mode. Icons are drawn with QPainter at runtime (no files to ship or lose).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap

from avma_console.domain.findings import Severity
from avma_console.domain.i18n import tr_noop
from avma_console.domain.outlook import Category, Marker
from avma_console.domain.states import STATE_DESCRIPTIONS, STATE_LABELS, ActivationState, StateTone


@dataclass(frozen=True, slots=True)
class ToneColors:
    fill: str  # icon fill, banners
    text_light: str  # text on a light background
    text_dark: str  # text on a dark background
    tint_light: str  # cell background on light themes
    tint_dark: str  # cell background on dark themes


TONE_COLORS: dict[StateTone, ToneColors] = {
    StateTone.GOOD: ToneColors("#2e7d32", "#1b5e20", "#81c784", "#e6f4e7", "#1f3a21"),
    StateTone.OTHER: ToneColors("#1565c0", "#0d47a1", "#90caf9", "#e3eefb", "#1a2f4a"),
    StateTone.WARNING: ToneColors("#f9a825", "#8a5300", "#ffd54f", "#fff4d6", "#4a3b10"),
    StateTone.ERROR: ToneColors("#c62828", "#b71c1c", "#ef9a9a", "#fde7e7", "#4a1c1c"),
    StateTone.NEUTRAL: ToneColors("#757575", "#505050", "#bdbdbd", "#eeeeee", "#353535"),
}

# The glyph of each state in compact counts ("4 ✓ 1 ✗"); the same shapes as the icons.
STATE_GLYPHS: dict[Category, str] = {
    ActivationState.AVMA_ACTIVATED: "✓",
    Marker.AT_RISK: "⇄",
    Marker.NOT_APPLICABLE: "–",
    ActivationState.ACTIVATED_OTHER: "ℹ",
    ActivationState.GRACE: "⚠",
    ActivationState.ACTIVATION_DENIED: "✗",
    ActivationState.INVALID_HOST: "✗",
    ActivationState.INVALID_DATA: "✗",
    ActivationState.UNLICENSED: "✗",
    ActivationState.UNKNOWN: "?",
    Marker.NO_EVIDENCE: "∅",
    ActivationState.UNREACHABLE: "⊘",
}


# Short names for the tree (translated through the "State" context); descriptions come from the domain.
_STATE_LABELS: dict[Category, str] = {
    Marker.AT_RISK: tr_noop("State", "At risk"),
    Marker.NOT_APPLICABLE: tr_noop("State", "Not applicable"),
    Marker.NO_EVIDENCE: tr_noop("State", "No AVMA evidence"),
}
_STATE_LABELS.update(STATE_LABELS.items())

# What the display categories mean (the states' meanings come from the domain's STATE_DESCRIPTIONS).
MARKER_DESCRIPTIONS: dict[Marker, str] = {
    Marker.AT_RISK: tr_noop(
        "State", "A cluster node it may fail over to cannot activate it: there it would lose (or never get) activation"
    ),
    Marker.NOT_APPLICABLE: tr_noop(
        "State", "Not a Windows Server guest (client OS or another system): AVMA does not apply, not a problem"
    ),
    Marker.NO_EVIDENCE: tr_noop(
        "State",
        "Running, but no AVMA activation from its host was ever seen and its licence was not read: "
        "it may use another key (scan with guest credentials to be sure)",
    ),
}

_MARKER_TONES: dict[Marker, StateTone] = {
    Marker.AT_RISK: StateTone.WARNING,
    Marker.NOT_APPLICABLE: StateTone.NEUTRAL,
    Marker.NO_EVIDENCE: StateTone.NEUTRAL,
}

# The order of the legend and the filter toggles: good first, then by how urgent.
LEGEND_ORDER: tuple[ActivationState, ...] = (
    ActivationState.AVMA_ACTIVATED,
    ActivationState.ACTIVATED_OTHER,
    ActivationState.GRACE,
    ActivationState.ACTIVATION_DENIED,
    ActivationState.INVALID_HOST,
    ActivationState.INVALID_DATA,
    ActivationState.UNLICENSED,
    ActivationState.UNKNOWN,
    ActivationState.UNREACHABLE,
)

# The states and the display categories, in the order of the filter toggles and the compact counts: at risk
# after the fine states (it is fine today), not applicable beside unknown.
CATEGORY_ORDER: tuple[Category, ...] = (
    *LEGEND_ORDER[:2],
    Marker.AT_RISK,
    *LEGEND_ORDER[2:-1],
    Marker.NO_EVIDENCE,
    Marker.NOT_APPLICABLE,
    LEGEND_ORDER[-1],
)


def state_label(state: Category) -> str:
    return QCoreApplication.translate("State", _STATE_LABELS[state])


def category_description(category: Category) -> str:
    if isinstance(category, Marker):
        return QCoreApplication.translate("State", MARKER_DESCRIPTIONS[category])
    return QCoreApplication.translate("State", STATE_DESCRIPTIONS[category])


def tone_of(category: Category) -> StateTone:
    return category.tone if isinstance(category, ActivationState) else _MARKER_TONES[category]


def tone_of_severity(severity: Severity) -> StateTone:
    return {Severity.ERROR: StateTone.ERROR, Severity.WARNING: StateTone.WARNING, Severity.INFO: StateTone.OTHER}[
        severity
    ]


def severity_label(severity: Severity) -> str:
    labels = {
        Severity.ERROR: QCoreApplication.translate("Severity", "Error"),
        Severity.WARNING: QCoreApplication.translate("Severity", "Warning"),
        Severity.INFO: QCoreApplication.translate("Severity", "Info"),
    }
    return labels[severity]


# ---------------------------------------------------------------------------------------------------------
# Light or dark


def palette_is_dark(palette: QPalette | None = None) -> bool:
    """Whether the window background is dark: decides text and tint colours."""
    if palette is None:
        palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def tone_text_color(tone: StateTone, dark: bool | None = None) -> QColor:
    colors = TONE_COLORS[tone]
    return QColor(colors.text_dark if (palette_is_dark() if dark is None else dark) else colors.text_light)


def tone_tint_color(tone: StateTone, dark: bool | None = None) -> QColor:
    colors = TONE_COLORS[tone]
    return QColor(colors.tint_dark if (palette_is_dark() if dark is None else dark) else colors.tint_light)


@cache
def _state_brush(state: Category, dark: bool) -> QBrush:
    return QBrush(tone_text_color(tone_of(state), dark))


def state_brush(state: Category) -> QBrush:
    """Foreground for a state's text; cached (the tree asks for it thousands of times)."""
    return _state_brush(state, palette_is_dark())


def accent_color() -> QColor:
    return QGuiApplication.palette().color(QPalette.ColorRole.Highlight)


# ---------------------------------------------------------------------------------------------------------
# Icons


def _pen(color: QColor | str, width: float) -> QPen:
    pen = QPen(QColor(color), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _path(s: float, *points: tuple[float, float], closed: bool = False) -> QPainterPath:
    """A path through `points` given in fractions of the icon's size `s`."""
    path = QPainterPath(QPointF(s * points[0][0], s * points[0][1]))
    for x, y in points[1:]:
        path.lineTo(QPointF(s * x, s * y))
    if closed:
        path.closeSubpath()
    return path


def _lines(painter: QPainter, s: float, *segments: tuple[float, float, float, float]) -> None:
    """Straight strokes with the current pen, each (x1, y1, x2, y2) in fractions of the icon's size `s`."""
    for x1, y1, x2, y2 in segments:
        painter.drawLine(QPointF(s * x1, s * y1), QPointF(s * x2, s * y2))


def _draw_check(painter: QPainter, s: float, fill: str) -> None:
    painter.setBrush(QColor(fill))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QRectF(1, 1, s - 2, s - 2))
    painter.setPen(_pen("#ffffff", s * 0.13))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(_path(s, (0.27, 0.52), (0.43, 0.68), (0.74, 0.34)))


def _draw_info(painter: QPainter, s: float, fill: str) -> None:
    painter.setBrush(QColor(fill))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QRectF(1, 1, s - 2, s - 2))
    painter.setBrush(QColor("#ffffff"))
    painter.drawEllipse(QPointF(s * 0.5, s * 0.29), s * 0.08, s * 0.08)
    painter.setPen(_pen("#ffffff", s * 0.14))
    _lines(painter, s, (0.5, 0.47, 0.5, 0.74))


def _draw_warning(painter: QPainter, s: float, fill: str) -> None:
    painter.setPen(_pen(fill, s * 0.06))
    painter.setBrush(QColor(fill))
    painter.drawPath(_path(s, (0.5, 0.06), (0.97, 0.92), (0.03, 0.92), closed=True))
    painter.setPen(_pen("#222222", s * 0.12))
    _lines(painter, s, (0.5, 0.36, 0.5, 0.6))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#222222"))
    painter.drawEllipse(QPointF(s * 0.5, s * 0.76), s * 0.065, s * 0.065)


def _draw_cross(painter: QPainter, s: float, fill: str) -> None:
    # An octagon ("stop" sign): a different outline from the circles, not only a different glyph.
    corners = [math.pi / 8 + corner * math.pi / 4 for corner in range(8)]
    octagon = _path(
        s, *((0.5 + 0.49 * math.cos(angle), 0.5 + 0.49 * math.sin(angle)) for angle in corners), closed=True
    )
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(fill))
    painter.drawPath(octagon)
    painter.setPen(_pen("#ffffff", s * 0.13))
    _lines(painter, s, (0.33, 0.33, 0.67, 0.67), (0.67, 0.33, 0.33, 0.67))


def _draw_question(painter: QPainter, s: float, fill: str) -> None:
    painter.setPen(_pen(fill, s * 0.1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(QRectF(s * 0.08, s * 0.08, s * 0.84, s * 0.84), s * 0.2, s * 0.2)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(6, round(s * 0.66)))
    painter.setFont(font)
    painter.setPen(QColor(fill))
    painter.drawText(QRectF(0, 0, s, s * 0.98), Qt.AlignmentFlag.AlignCenter, "?")


def _draw_plug(painter: QPainter, s: float, fill: str) -> None:
    # A plug pulled out of its socket, with a slash: "could not connect".
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(fill))
    painter.drawRoundedRect(QRectF(s * 0.3, s * 0.32, s * 0.4, s * 0.3), s * 0.06, s * 0.06)
    painter.setPen(_pen(fill, s * 0.09))
    _lines(painter, s, (0.4, 0.1, 0.4, 0.32), (0.6, 0.1, 0.6, 0.32), (0.5, 0.62, 0.5, 0.92))
    painter.setPen(_pen("#c62828", s * 0.1))
    _lines(painter, s, (0.12, 0.88, 0.88, 0.12))


def _draw_risk(painter: QPainter, s: float, fill: str) -> None:
    # A diamond (neither circle, triangle nor octagon) with two opposed arrows: "would fail when it moves".
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(fill))
    painter.drawPath(_path(s, (0.5, 0.03), (0.97, 0.5), (0.5, 0.97), (0.03, 0.5), closed=True))
    painter.setPen(_pen("#222222", s * 0.09))
    _lines(painter, s, (0.3, 0.4, 0.7, 0.4), (0.6, 0.3, 0.7, 0.4), (0.3, 0.6, 0.7, 0.6), (0.3, 0.6, 0.4, 0.7))


def _draw_not_applicable(painter: QPainter, s: float, fill: str) -> None:
    # A dashed ring with a bar: "does not apply" (no fill, so it reads as quieter than every state).
    pen = _pen(fill, s * 0.1)
    pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(QRectF(s * 0.1, s * 0.1, s * 0.8, s * 0.8))
    painter.setPen(_pen(fill, s * 0.12))
    _lines(painter, s, (0.32, 0.5, 0.68, 0.5))


_DRAW = {
    "risk": _draw_risk,
    "not_applicable": _draw_not_applicable,
    "check": _draw_check,
    "info": _draw_info,
    "warning": _draw_warning,
    "cross": _draw_cross,
    "question": _draw_question,
    "plug": _draw_plug,
}


def shape_of(state: Category) -> str:
    if state is Marker.AT_RISK:
        return "risk"
    if state is Marker.NOT_APPLICABLE:
        return "not_applicable"
    if state is Marker.NO_EVIDENCE:
        return "question"
    assert isinstance(state, ActivationState)
    if state is ActivationState.UNREACHABLE:
        return "plug"
    return {
        StateTone.GOOD: "check",
        StateTone.OTHER: "info",
        StateTone.WARNING: "warning",
        StateTone.ERROR: "cross",
        StateTone.NEUTRAL: "question",
    }[state.tone]


def _fill_of(shape: str, tone: StateTone) -> str:
    return TONE_COLORS[tone].fill if shape != "question" else ("#9e9e9e" if palette_is_dark() else "#616161")


def _pixmap(shape: str, tone: StateTone, size: int, ratio: float = 2.0) -> QPixmap:
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _DRAW[shape](painter, float(size), _fill_of(shape, tone))
    painter.end()
    return pixmap


@cache
def _shape_icon(shape: str, tone: StateTone, dark: bool) -> QIcon:
    icon = QIcon()
    for size in (16, 20, 24, 32):
        icon.addPixmap(_pixmap(shape, tone, size))
    return icon


def state_icon(state: Category) -> QIcon:
    return _shape_icon(shape_of(state), tone_of(state), palette_is_dark())


def readiness_icon(ready: bool | None) -> QIcon:
    """The host readiness badge: a check (ready), a cross (cannot activate some or all guests), ? (not known)."""
    if ready is None:
        return _shape_icon("question", StateTone.NEUTRAL, palette_is_dark())
    return _shape_icon("check" if ready else "cross", StateTone.GOOD if ready else StateTone.ERROR, palette_is_dark())


def readiness_brush(ready: bool | None) -> QBrush:
    tone = StateTone.NEUTRAL if ready is None else StateTone.GOOD if ready else StateTone.ERROR
    return QBrush(tone_text_color(tone))


def severity_icon(severity: Severity) -> QIcon:
    tone = tone_of_severity(severity)
    shape = {StateTone.ERROR: "cross", StateTone.WARNING: "warning", StateTone.OTHER: "info"}[tone]
    return _shape_icon(shape, tone, palette_is_dark())


def warning_icon() -> QIcon:
    return _shape_icon("warning", StateTone.WARNING, palette_is_dark())


def state_pixmap(state: Category, size: int) -> QPixmap:
    return _pixmap(shape_of(state), tone_of(state), size)


def severity_pixmap(severity: Severity, size: int) -> QPixmap:
    return severity_icon(severity).pixmap(size, size)


def banner_style() -> str:
    """Style sheet of the insecure-connection banner: amber, readable in light and dark themes."""
    dark = palette_is_dark()
    colors = TONE_COLORS[StateTone.WARNING]
    background = colors.tint_dark if dark else colors.tint_light
    text = colors.text_dark if dark else colors.text_light
    return (
        f"QFrame#insecureBanner {{ background: {background}; border: 1px solid {colors.fill}; border-radius: 4px; }}"
        f"QFrame#insecureBanner QLabel {{ color: {text}; }}"
    )


def accent_text_color() -> QColor:
    return QGuiApplication.palette().color(QPalette.ColorRole.HighlightedText)
