"""The VM timeline: one VM's life in the history, drawn.

Top to bottom on one horizontal time axis: the activation state as coloured bands (theme colours, and always
the state's icon and name, never colour alone), the hosts the VM ran on, its AVMA events, its changes (state,
host, key) and the operator's actions on it (the audit log), with the moments of the scans as ticks. Every
mark has a tooltip; everything that came from a host is drawn as plain text (QPainter never interprets
markup) and tooltips are escaped. Colours follow the palette, so the picture reads in dark mode too.

This widget only paints: what it shows is computed in `services.vm_timeline` (bands, markers, ranges, on the
executor), the axis in `qt.time_axis`, the words in `qt.timeline_text`; `timeline_panel` hosts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QSizePolicy,
    QToolTip,
    QWidget,
)

from avma_console.domain.states import StateTone
from avma_console.qt import theme
from avma_console.qt.history_models import (
    event_summary,
    outcome_state,
    tooltip_text,
)
from avma_console.qt.text import local_time, translator
from avma_console.qt.time_axis import Tick, TimeScale, qdate, time_ticks
from avma_console.qt.timeline_text import (
    RESULT_TONES,
    action_details,
    action_label,
    band_details,
    change_details,
    change_label,
    state_text,
)
from avma_console.qt.timeline_text import noop as _noop
from avma_console.services.history_access import Transition
from avma_console.services.vm_timeline import (
    Lane,
    Marker,
    TimelineData,
    TimeRange,
    range_of,
    state_or_none,
)

_tr = translator("Timeline")


# A state or host period gets at least the width of its label (up to this many pixels) while the plot has
# room: a one-day problem in a year, or two scans a second apart, stay visible and readable.
MAX_BAND_FLOOR = 230.0


# ---------------------------------------------------------------------------------------------------------
# The drawing

LABEL_WIDTH = 104.0
MARGIN = 10.0
HEADER = 46.0
STATE_LANE = 36.0
HOST_LANE = 26.0
MARK_LANE = 24.0
GAP = 5.0
AXIS = 38.0
_LANES = (
    ("state", STATE_LANE, _noop("Timeline", "State")),
    ("host", HOST_LANE, _noop("Timeline", "Host")),
    (Lane.EVENTS.value, MARK_LANE, _noop("Timeline", "AVMA events")),
    (Lane.CHANGES.value, MARK_LANE, _noop("Timeline", "Changes")),
    (Lane.ACTIONS.value, MARK_LANE, _noop("Timeline", "Operator")),
)
HEIGHT = MARGIN + HEADER + sum(height + GAP for _key, height, _label in _LANES) + AXIS + MARGIN
MARKER = 14.0


@dataclass(slots=True)
class _Hit:
    rect: QRectF
    text: str


@dataclass(slots=True)
class _Frame:
    """One paint: the painter, the colours and the geometry every step needs."""

    painter: QPainter
    palette: QPalette
    dark: bool
    data: TimelineData
    start: datetime
    end: datetime
    plot: QRectF
    lanes: dict[str, QRectF]
    scale: TimeScale

    def x(self, moment: datetime) -> float:
        return self.scale.x(moment)

    def color(self, role: QPalette.ColorRole) -> QColor:
        return self.palette.color(role)


class TimelineWidget(QWidget):
    """Draws a `TimelineData` (or a message when there is none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vmTimeline")
        self.setMouseTracking(True)
        self.setAutoFillBackground(False)
        self.setMinimumSize(520, int(HEIGHT))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._data: TimelineData | None = None
        self._message = _tr("Select a VM to see its history.")
        self._range = TimeRange.ALL
        self._hits: list[_Hit] = []

    # -- content ----------------------------------------------------------------------------------------------
    @property
    def data(self) -> TimelineData | None:
        return self._data

    @property
    def message(self) -> str:
        return self._message

    def set_data(self, data: TimelineData | None, message: str = "") -> None:
        self._data = data
        self._message = message
        self.update()

    def set_time_range(self, chosen: TimeRange) -> None:
        self._range = chosen
        self.update()

    @property
    def time_range(self) -> TimeRange:
        return self._range

    def sizeHint(self) -> QSize:
        return QSize(960, int(HEIGHT))

    def labels(self) -> list[str]:
        """The texts the drawing puts in its state and host bands (tests; what a screen reader could say)."""
        data = self._data
        if data is None:
            return []
        return [state_text(band.state) for band in data.bands] + [band.host for band in data.hosts]

    # -- geometry -----------------------------------------------------------------------------------------------
    def _plot(self) -> QRectF:
        left = MARGIN + LABEL_WIDTH
        return QRectF(
            left, MARGIN + HEADER, max(10.0, self.width() - left - MARGIN), HEIGHT - HEADER - AXIS - 2 * MARGIN
        )

    def _lane_rects(self) -> dict[str, QRectF]:
        plot = self._plot()
        rects: dict[str, QRectF] = {}
        y = plot.top()
        for key, height, _label in _LANES:
            rects[key] = QRectF(plot.left(), y, plot.width(), height)
            y += height + GAP
        return rects

    # -- painting -----------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        dark = theme.palette_is_dark(palette)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        self._hits = []
        data = self._data
        if data is None or data.empty:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self._message or _tr("No history recorded for this VM yet."),
            )
            return
        start, end = range_of(data, self._range)
        plot = self._plot()
        state_font, host_font = QFontMetricsF(self._small_font(0.95, bold=True)), QFontMetricsF(self._small_font(0.9))
        periods = [
            (band.start, band.end, min(MAX_BAND_FLOOR, state_font.horizontalAdvance(state_text(band.state)) + 48))
            for band in data.bands
        ] + [
            (band.start, band.end, min(MAX_BAND_FLOOR, host_font.horizontalAdvance(band.host) + 36))
            for band in data.hosts
        ]
        scale = TimeScale(start, end, plot.left(), plot.width(), periods=periods)
        frame = _Frame(painter, palette, dark, data, start, end, plot, self._lane_rects(), scale)
        ticks = time_ticks(start, end, plot.width(), spacing=84.0)
        self._paint_header(frame)
        self._paint_lanes(frame)
        self._paint_grid(frame, ticks)
        painter.save()
        painter.setClipRect(QRectF(plot.left(), 0, plot.width(), self.height()))
        self._paint_states(frame)
        self._paint_hosts(frame)
        self._paint_scans(frame)
        self._paint_markers(frame)
        self._paint_now(frame)
        painter.restore()
        self._paint_outside(frame)
        self._paint_axis(frame, ticks)

    def _small_font(self, scale: float = 0.9, bold: bool = False) -> QFont:
        font = QFont(self.font())
        size = font.pointSizeF()
        if size > 0:
            font.setPointSizeF(size * scale)
        else:
            font.setPixelSize(max(8, round(font.pixelSize() * scale)))
        font.setBold(bold)
        return font

    def _paint_header(self, f: _Frame) -> None:
        painter, data, palette, dark = f.painter, f.data, f.palette, f.dark
        title_font = self._small_font(1.25, bold=True)
        painter.setFont(title_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        metrics = QFontMetricsF(title_font)
        top = MARGIN
        right = self.width() - MARGIN
        # The VM's current state, as a pill on the right: icon, name, host.
        pill_width = 0.0
        latest = data.latest
        if latest is not None:
            state = state_or_none(latest.state)
            tone = state.tone if state else StateTone.NEUTRAL
            text = _tr("Now: {state} on {host}").format(state=state_text(latest.state), host=latest.host)
            font = self._small_font(1.0, bold=True)
            fm = QFontMetricsF(font)
            pill_width = min(fm.horizontalAdvance(text) + 42, (self.width() - 2 * MARGIN) * 0.55)
            pill = QRectF(right - pill_width, top + 2, pill_width, 28)
            painter.setPen(QPen(QColor(theme.TONE_COLORS[tone].fill), 1.2))
            painter.setBrush(theme.tone_tint_color(tone, dark))
            painter.drawRoundedRect(pill, 14, 14)
            if state is not None:
                painter.drawPixmap(
                    QRectF(pill.left() + 8, pill.top() + 5, 18, 18).toRect(), theme.state_pixmap(state, 18)
                )
            painter.setFont(font)
            painter.setPen(theme.tone_text_color(tone, dark))
            text_rect = pill.adjusted(32, 0, -10, 0)
            painter.drawText(
                text_rect,
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                fm.elidedText(text, Qt.TextElideMode.ElideRight, text_rect.width()),
            )
            self._hits.append(_Hit(pill, band_details(data.bands[-1]) if data.bands else text))
        painter.setFont(title_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        title_rect = QRectF(MARGIN, top, self.width() - 2 * MARGIN - pill_width - 12, metrics.height())
        painter.drawText(
            title_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
            metrics.elidedText(data.name, Qt.TextElideMode.ElideRight, title_rect.width()),
        )
        names = "\n".join(_tr("Also named {name}").format(name=name) for name in data.names[:-1])
        self._hits.append(_Hit(title_rect, "\n".join(filter(None, (data.name, data.vm_id, names)))))
        font = self._small_font(0.9)
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        scans = len(data.scans)
        if scans:
            detail = _tr("VM {id} · {scans} scan(s), {first} – {last}").format(
                id=data.vm_id,
                scans=scans,
                first=local_time(data.scans[0], False),
                last=local_time(data.scans[-1], False),
            )
        else:
            detail = _tr("VM {id} · not in any recorded scan").format(id=data.vm_id)
        if len(data.names) > 1:
            detail += " · " + _tr("also named {names}").format(names=", ".join(data.names[:-1]))
        fm = QFontMetricsF(font)
        detail_rect = QRectF(MARGIN, top + metrics.height() + 2, title_rect.width(), fm.height())
        painter.drawText(
            detail_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
            fm.elidedText(detail, Qt.TextElideMode.ElideRight, detail_rect.width()),
        )

    def _paint_lanes(self, f: _Frame) -> None:
        painter, lanes, palette, dark = f.painter, f.lanes, f.palette, f.dark
        stripe = palette.color(QPalette.ColorRole.AlternateBase)
        if stripe == palette.color(QPalette.ColorRole.Base):
            stripe = stripe.lighter(112) if dark else stripe.darker(104)
        font = self._small_font(0.9, bold=True)
        painter.setFont(font)
        for key, _height, label in _LANES:
            rect = lanes[key]
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(stripe)
            painter.drawRoundedRect(rect.adjusted(-4, -1, 4, 1), 4, 4)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                QRectF(MARGIN, rect.top(), LABEL_WIDTH - 12, rect.height()),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
                QCoreApplication.translate("Timeline", label),
            )

    def _paint_grid(self, f: _Frame, ticks: Sequence[Tick]) -> None:
        painter, lanes, palette, x_of = f.painter, f.lanes, f.palette, f.x
        color = QColor(palette.color(QPalette.ColorRole.Mid))
        color.setAlphaF(0.35)
        pen = QPen(color, 1.0)
        pen.setStyle(Qt.PenStyle.DotLine)
        painter.setPen(pen)
        top = lanes["state"].top()
        bottom = lanes[Lane.ACTIONS.value].bottom()
        for tick in ticks:
            x = x_of(tick.at)
            painter.drawLine(QPointF(x, top), QPointF(x, bottom))

    def _paint_states(self, f: _Frame) -> None:
        painter, data, lane, x_of, dark = f.painter, f.data, f.lanes["state"], f.x, f.dark
        font = self._small_font(0.95, bold=True)
        fm = QFontMetricsF(font)
        painter.setFont(font)
        first = x_of(data.bands[0].start) if data.bands else lane.left()
        if first - lane.left() >= 90:
            # Events can be older than the first scan: the state lane says why it is empty there.
            before = QRectF(lane.left() + 3, lane.top() + 4, first - lane.left() - 8, lane.height() - 8)
            pen = QPen(f.color(QPalette.ColorRole.Mid), 1.0)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(before, 5, 5)
            painter.setFont(self._small_font(0.85))
            painter.setPen(f.color(QPalette.ColorRole.PlaceholderText))
            text = _tr("before the first recorded scan")
            painter.drawText(
                before,
                int(Qt.AlignmentFlag.AlignCenter),
                QFontMetricsF(painter.font()).elidedText(text, Qt.TextElideMode.ElideRight, before.width() - 8),
            )
            painter.setFont(font)
        for band in data.bands:
            state = band.activation_state
            tone = state.tone if state else StateTone.NEUTRAL
            x0, x1 = x_of(band.start), x_of(band.end)
            rect = QRectF(x0, lane.top() + 2, max(3.0, x1 - x0 - 1.5), lane.height() - 4)
            painter.setPen(QPen(QColor(theme.TONE_COLORS[tone].fill), 1.2))
            painter.setBrush(theme.tone_tint_color(tone, dark))
            painter.drawRoundedRect(rect, 5, 5)
            accent = QRectF(rect.left(), rect.top(), min(4.0, rect.width()), rect.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.TONE_COLORS[tone].fill))
            path = QPainterPath()
            path.addRoundedRect(accent.adjusted(0, 0, 3, 0), 5, 5)
            clip = QPainterPath()
            clip.addRect(accent)
            painter.drawPath(path.intersected(clip))
            inner = rect.adjusted(9, 0, -6, 0)
            if inner.width() >= 18 and state is not None:
                icon = QRectF(inner.left(), rect.center().y() - 9, 18, 18)
                painter.drawPixmap(icon.toRect(), theme.state_pixmap(state, 18))
                inner.setLeft(icon.right() + 6)
            if inner.width() >= 28:
                label = state_text(band.state)
                painter.setPen(theme.tone_text_color(tone, dark))
                painter.drawText(
                    inner,
                    int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                    fm.elidedText(label, Qt.TextElideMode.ElideRight, inner.width()),
                )
            self._hits.append(_Hit(rect, band_details(band)))

    def _paint_hosts(self, f: _Frame) -> None:
        painter, data, lane, x_of, palette, dark = f.painter, f.data, f.lanes["host"], f.x, f.palette, f.dark
        font = self._small_font(0.9)
        fm = QFontMetricsF(font)
        painter.setFont(font)
        base = palette.color(QPalette.ColorRole.Button)
        shades = (base, base.lighter(118) if dark else base.darker(108))
        names = list(dict.fromkeys(band.host for band in data.hosts))
        for band in data.hosts:
            x0, x1 = x_of(band.start), x_of(band.end)
            rect = QRectF(x0, lane.top() + 2, max(3.0, x1 - x0 - 1.5), lane.height() - 4)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.0))
            painter.setBrush(shades[names.index(band.host) % 2])
            painter.drawRoundedRect(rect, 4, 4)
            inner = rect.adjusted(6, 0, -4, 0)
            if inner.width() >= 26:
                _draw_server(
                    painter, QPointF(inner.left() + 5, rect.center().y()), palette.color(QPalette.ColorRole.ButtonText)
                )
                inner.setLeft(inner.left() + 14)
                painter.setPen(palette.color(QPalette.ColorRole.ButtonText))
                painter.drawText(
                    inner,
                    int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                    fm.elidedText(band.host, Qt.TextElideMode.ElideRight, inner.width()),
                )
            text = _tr("On {host}\nFrom {start} to {end}; {scans} scan(s)").format(
                host=band.host, start=local_time(band.start), end=local_time(band.end), scans=band.scans
            )
            self._hits.append(_Hit(rect, text))

    def _paint_scans(self, f: _Frame) -> None:
        painter, data, lane, x_of, palette = f.painter, f.data, f.lanes["state"], f.x, f.palette
        color = palette.color(QPalette.ColorRole.Text)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        for moment in data.scans:
            x = x_of(moment)
            triangle = QPainterPath(QPointF(x - 3.5, lane.top() - 4))
            triangle.lineTo(QPointF(x + 3.5, lane.top() - 4))
            triangle.lineTo(QPointF(x, lane.top() + 1.5))
            triangle.closeSubpath()
            painter.drawPath(triangle)
            self._hits.append(
                _Hit(QRectF(x - 5, lane.top() - 6, 10, 9), _tr("Scanned {when}").format(when=local_time(moment)))
            )

    def _paint_markers(self, f: _Frame) -> None:
        painter, data, lanes, x_of, palette, dark = f.painter, f.data, f.lanes, f.x, f.palette, f.dark
        start, end = f.start, f.end
        font = self._small_font(0.85)
        fm = QFontMetricsF(font)
        painter.setFont(font)
        shown = [marker for marker in data.markers if start <= marker.at <= end]
        by_lane: dict[Lane, list[Marker]] = {lane: [] for lane in Lane}
        for marker in shown:
            by_lane[marker.lane].append(marker)
        for lane_kind, markers in by_lane.items():
            lane = lanes[lane_kind.value]
            cy = lane.center().y()
            for index, marker in enumerate(markers):
                x = x_of(marker.at)
                box = QRectF(x - MARKER / 2, cy - MARKER / 2, MARKER, MARKER)
                label, details = "", ""
                if marker.event is not None:
                    state = outcome_state(marker.event.outcome)
                    painter.drawPixmap(box.toRect(), theme.state_pixmap(state, int(MARKER)))
                    details = event_summary(marker.event)
                elif marker.change is not None:
                    _draw_change(painter, box, marker.change, dark)
                    label, details = change_label(marker.change), change_details(marker.change)
                elif marker.action is not None:
                    tone = RESULT_TONES.get(marker.action.result, StateTone.NEUTRAL)
                    _draw_action(painter, box, tone)
                    label, details = action_label(marker.action), action_details(marker.action)
                self._hits.append(_Hit(box.adjusted(-3, -3, 3, 3), details))
                if label:
                    # Right of the marker if it fits there, else where there is more room.
                    following = x_of(markers[index + 1].at) - MARKER if index + 1 < len(markers) else lane.right()
                    previous = x_of(markers[index - 1].at) + MARKER if index > 0 else lane.left()
                    room_right, room_left = following - box.right() - 6, box.left() - previous - 6
                    needed = fm.horizontalAdvance(label) + 4
                    painter.setPen(palette.color(QPalette.ColorRole.Text))
                    if room_right >= min(needed, 30) and (room_right >= needed or room_right >= room_left):
                        text_rect = QRectF(box.right() + 4, lane.top(), room_right, lane.height())
                        align = Qt.AlignmentFlag.AlignLeft
                    elif room_left >= 30:
                        text_rect = QRectF(box.left() - 4 - room_left, lane.top(), room_left, lane.height())
                        align = Qt.AlignmentFlag.AlignRight
                    else:
                        continue
                    painter.drawText(
                        text_rect,
                        int(Qt.AlignmentFlag.AlignVCenter | align),
                        fm.elidedText(label, Qt.TextElideMode.ElideRight, text_rect.width()),
                    )

    def _paint_now(self, f: _Frame) -> None:
        painter, data, lanes, x_of, palette = f.painter, f.data, f.lanes, f.x, f.palette
        x = x_of(data.now)
        pen = QPen(palette.color(QPalette.ColorRole.Highlight), 1.5)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, lanes["state"].top() - 6), QPointF(x, lanes[Lane.ACTIONS.value].bottom() + 4))

    def _paint_outside(self, f: _Frame) -> None:
        """How many marks lie left or right of the shown range ("◀ 12"), per lane."""
        painter, data, lanes, start, end, palette = f.painter, f.data, f.lanes, f.start, f.end, f.palette
        font = self._small_font(0.8, bold=True)
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        for lane_kind in Lane:
            lane = lanes[lane_kind.value]
            before = sum(1 for m in data.markers if m.lane is lane_kind and m.at < start)
            after = sum(1 for m in data.markers if m.lane is lane_kind and m.at > end)
            fm = QFontMetricsF(font)
            for count, text, left, tip in (
                (before, f"◀ {before}", True, _tr("{count} earlier, before the shown range")),
                (after, f"{after} ▶", False, _tr("{count} later, after the shown range")),
            ):
                if not count:
                    continue
                width = fm.horizontalAdvance(text) + 12
                x = lane.left() + 3 if left else lane.right() - width - 3
                rect = QRectF(x, lane.top() + 3, width, lane.height() - 6)
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.0))
                painter.setBrush(palette.color(QPalette.ColorRole.Base))
                painter.drawRoundedRect(rect, 6, 6)
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
                self._hits.append(_Hit(rect, tip.format(count=count)))

    def _paint_axis(self, f: _Frame, ticks: Sequence[Tick]) -> None:
        painter, x_of, plot, palette = f.painter, f.x, f.plot, f.palette
        y = self._lane_rects()[Lane.ACTIONS.value].bottom() + GAP + 2
        text = palette.color(QPalette.ColorRole.Text)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.2))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        font = self._small_font(0.85)
        bold = self._small_font(0.85, bold=True)
        fm, fm_bold = QFontMetricsF(font), QFontMetricsF(bold)
        placed: list[tuple[float, float]] = []
        labels: set[str] = set()

        def place(x: float, label: str, context: str) -> bool:
            """Draw a tick and its labels unless they would run into one already drawn (or repeat it)."""
            if label in labels:
                return False
            width = max(fm.horizontalAdvance(label), fm_bold.horizontalAdvance(context)) + 4
            left, right = x - width / 2, x + width / 2
            if left < plot.left() - LABEL_WIDTH / 2 or right > self.width() - 2:
                return False
            if any(left < other_right + 8 and right > other_left - 8 for other_left, other_right in placed):
                return False
            placed.append((left, right))
            labels.add(label)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.2))
            painter.drawLine(QPointF(x, y), QPointF(x, y + 4))
            painter.setFont(font)
            painter.setPen(text)
            painter.drawText(QRectF(left, y + 5, width, fm.height()), int(Qt.AlignmentFlag.AlignCenter), label)
            if context:
                painter.setFont(bold)
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(
                    QRectF(left, y + 5 + fm.height(), width, fm.height()), int(Qt.AlignmentFlag.AlignCenter), context
                )
            return True

        for tick in ticks:
            place(x_of(tick.at), tick.label, tick.context)
        # Periods widened beyond their share of time may have no tick of their own: label where they start.
        locale = QLocale()
        for band in f.data.bands:
            x0, x1 = x_of(band.start), x_of(band.end)
            if any(x0 <= x_of(tick.at) <= x1 for tick in ticks) or not f.start <= band.start <= f.end:
                continue
            local = band.start.astimezone()
            clock = local.strftime("%H:%M:%S" if band.end - band.start < timedelta(hours=1) else "%H:%M")
            place(x0, clock, locale.toString(qdate(local), "d MMM yyyy"))

    # -- tooltips -------------------------------------------------------------------------------------------------
    def tooltip_at(self, point: QPointF) -> str:
        """The plain text of everything under `point` (markers first, the band behind them last)."""
        found = [hit.text for hit in self._hits if hit.rect.contains(point)]
        found.reverse()  # drawn last = on top
        if len(found) > 6:
            found = [*found[:6], _tr("… and {count} more").format(count=len(found) - 6)]
        return "\n\n".join(found)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), tooltip_text(text), self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)


def _glyph_pen(width: float) -> QPen:
    pen = QPen(QColor("#ffffff"), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _draw_change(painter: QPainter, box: QRectF, change: Transition, dark: bool) -> None:
    """A diamond in the colour of the new state (neutral for moves only); its glyph says what changed:
    a key, an arrow (moved), a dot (state), plus or minus (appeared, gone)."""
    tone = StateTone.OTHER if change.key_changed else StateTone.NEUTRAL
    if change.state_changed or change.appeared:
        state = state_or_none(change.to_state or "")
        tone = state.tone if state else StateTone.NEUTRAL
    fill = QColor(theme.TONE_COLORS[tone].fill)
    c = box.center()
    r = box.width() / 2 + 1.5
    diamond = QPainterPath(QPointF(c.x(), c.y() - r))
    diamond.lineTo(QPointF(c.x() + r, c.y()))
    diamond.lineTo(QPointF(c.x(), c.y() + r))
    diamond.lineTo(QPointF(c.x() - r, c.y()))
    diamond.closeSubpath()
    painter.setPen(QPen(fill.darker(130) if not dark else fill.lighter(130), 1.0))
    painter.setBrush(fill)
    painter.drawPath(diamond)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    s = box.width()
    painter.setPen(_glyph_pen(max(1.4, s * 0.12)))
    if change.key_changed:
        painter.drawEllipse(QPointF(c.x() - s * 0.14, c.y()), s * 0.13, s * 0.13)
        painter.drawLine(QPointF(c.x() - s * 0.01, c.y()), QPointF(c.x() + s * 0.26, c.y()))
        painter.drawLine(QPointF(c.x() + s * 0.18, c.y()), QPointF(c.x() + s * 0.18, c.y() + s * 0.11))
    elif change.moved:
        painter.drawLine(QPointF(c.x() - s * 0.22, c.y()), QPointF(c.x() + s * 0.22, c.y()))
        painter.drawLine(QPointF(c.x() + s * 0.08, c.y() - s * 0.13), QPointF(c.x() + s * 0.22, c.y()))
        painter.drawLine(QPointF(c.x() + s * 0.08, c.y() + s * 0.13), QPointF(c.x() + s * 0.22, c.y()))
    elif change.appeared or change.vanished:
        painter.drawLine(QPointF(c.x() - s * 0.2, c.y()), QPointF(c.x() + s * 0.2, c.y()))
        if change.appeared:
            painter.drawLine(QPointF(c.x(), c.y() - s * 0.2), QPointF(c.x(), c.y() + s * 0.2))
    else:
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(c, s * 0.08, s * 0.08)


def _draw_action(painter: QPainter, box: QRectF, tone: StateTone) -> None:
    """An operator: a person on a rounded square in the colour of the action's result."""
    fill = QColor(theme.TONE_COLORS[tone].fill)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawRoundedRect(box.adjusted(-1, -1, 1, 1), 3.5, 3.5)
    s = box.width()
    c = box.center()
    painter.setBrush(QColor("#ffffff"))
    painter.drawEllipse(QPointF(c.x(), c.y() - s * 0.16), s * 0.15, s * 0.15)
    body = QPainterPath(QPointF(c.x() - s * 0.3, c.y() + s * 0.36))
    body.cubicTo(
        QPointF(c.x() - s * 0.3, c.y() + s * 0.02),
        QPointF(c.x() + s * 0.3, c.y() + s * 0.02),
        QPointF(c.x() + s * 0.3, c.y() + s * 0.36),
    )
    body.closeSubpath()
    painter.drawPath(body)


def _draw_server(painter: QPainter, center: QPointF, color: QColor) -> None:
    """A tiny server: two stacked units with a light each."""
    painter.setPen(QPen(color, 1.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for offset in (-3.2, 1.2):
        painter.drawRoundedRect(QRectF(center.x() - 4.5, center.y() + offset, 9, 3.6), 1, 1)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    for offset in (-1.4, 3.0):
        painter.drawEllipse(QPointF(center.x() + 2.5, center.y() + offset), 0.7, 0.7)
