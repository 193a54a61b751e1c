"""The VM timeline panel: asks for the selected VM's history (latest selection wins) and hosts the drawing
(`TimelineWidget`) with a choice of time range."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from avma_console.qt.context import TaskRunner
from avma_console.qt.history_models import LatestQuery
from avma_console.qt.history_recording import HistoryRecording
from avma_console.qt.text import translator
from avma_console.qt.timeline_text import noop as _noop
from avma_console.qt.widgets.timeline import TimelineWidget
from avma_console.services.vm_timeline import Lane, TimelineData, TimeRange, build_timeline

RANGE_LABELS: dict[TimeRange, str] = {
    TimeRange.ALL: _noop("Timeline", "All history"),
    TimeRange.SCANS: _noop("Timeline", "Since the first scan"),
    TimeRange.DAY: _noop("Timeline", "Last 24 hours"),
    TimeRange.WEEK: _noop("Timeline", "Last 7 days"),
    TimeRange.MONTH: _noop("Timeline", "Last 30 days"),
    TimeRange.YEAR: _noop("Timeline", "Last 12 months"),
}


_tr = translator("Timeline")


class TimelinePanel(QWidget):
    loaded = Signal(object)  # TimelineData | None

    def __init__(self, recording: HistoryRecording, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelinePanel")
        self._recording = recording
        self._vm_id: str | None = None
        self._vm_name = ""
        self._dirty = False
        self.query = LatestQuery(tasks, "VM timeline", self)
        self.query.loaded.connect(self._loaded)
        self.query.failed.connect(self._failed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        top = QHBoxLayout()
        self.status_label = QLabel()
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.range_combo = QComboBox()
        for chosen, label in RANGE_LABELS.items():
            self.range_combo.addItem(_tr(label), chosen.value)
        top.addWidget(self.status_label, 1)
        top.addWidget(QLabel(_tr("Show:")))
        top.addWidget(self.range_combo)
        layout.addLayout(top)
        self.view = TimelineWidget()
        self.scroller = QScrollArea()
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setWidgetResizable(True)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroller.setWidget(self.view)
        layout.addWidget(self.scroller, 1)

        self.range_combo.currentIndexChanged.connect(self._range_changed)
        recording.recorded.connect(self.reload)
        recording.location_changed.connect(self.reload)
        self.status_label.setText(_tr("Select a VM in the tree to see its history."))

    def set_vm(self, vm_id: str | None, name: str = "") -> None:
        """The tree's selection: a VM (its id and name) or anything else (None)."""
        if vm_id == self._vm_id and name == self._vm_name:
            return
        self._vm_id, self._vm_name = vm_id, name
        self.reload()

    @property
    def vm_id(self) -> str | None:
        return self._vm_id

    def reload(self) -> None:
        if self._vm_id is None:
            self.query.cancel()
            self.view.set_data(None, _tr("Select a VM to see its states, hosts, changes and actions over time."))
            self.status_label.setText(_tr("Select a VM in the tree to see its history."))
            self.loaded.emit(None)
            return
        if not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        vm_id = self._vm_id
        self.status_label.setText(_tr("Reading the history of {name}…").format(name=self._vm_name))

        async def query() -> TimelineData:
            return await self._recording.run(
                lambda history: build_timeline(history.vm_timeline(vm_id), history.clock.now())
            )

        self.query.request(vm_id, query)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.reload()

    def _range_changed(self) -> None:
        self.view.set_time_range(TimeRange(str(self.range_combo.currentData())))

    def set_time_range(self, chosen: TimeRange) -> None:
        self.range_combo.setCurrentIndex(self.range_combo.findData(chosen.value))

    def _loaded(self, _token: object, data: object) -> None:
        assert isinstance(data, TimelineData)
        if data.empty:
            self.view.set_data(
                None,
                _tr("{name} is not in the history yet: it appears after the next recorded scan.").format(
                    name=self._vm_name
                ),
            )
            self.status_label.setText(_tr("No history for {name} yet.").format(name=self._vm_name))
        else:
            self.view.set_data(data)
            self.status_label.setText(
                _tr(
                    "{name}: {states} state period(s), {hosts} host(s), {events} AVMA events, {changes} changes, {actions} operator actions"
                ).format(
                    name=data.name,
                    states=len(data.bands),
                    hosts=len(data.hosts),
                    events=data.count(Lane.EVENTS),
                    changes=data.count(Lane.CHANGES),
                    actions=data.count(Lane.ACTIONS),
                )
            )
        self.loaded.emit(data)

    def _failed(self, _token: object, message: str) -> None:
        self.view.set_data(None, _tr("The history could not be read: {error}").format(error=message))
        self.status_label.setText(_tr("The history could not be read."))
        self.loaded.emit(None)
