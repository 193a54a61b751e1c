"""The detail pane: facts, findings and actions for the selected cluster, host or VM.

Everything that came from a host is shown as plain text (Qt.PlainText on every label): a VM named
"<b>bold</b>" reads exactly like that, and no host can inject links or markup into the console.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from avma_console.domain.findings import Severity
from avma_console.qt import theme
from avma_console.qt.details import DetailView

ICON_SIZE = 32


def plain_label(text: str = "", *, selectable: bool = False, wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def warning_banner() -> tuple[QFrame, QLabel]:
    """The amber banner (insecure connections, overridden refusals), hidden: the frame and its plain-text label."""
    banner = QFrame()
    banner.setObjectName("insecureBanner")
    banner.setStyleSheet(theme.banner_style())
    layout = QHBoxLayout(banner)
    layout.setContentsMargins(8, 4, 8, 4)
    icon = QLabel()
    icon.setPixmap(theme.warning_icon().pixmap(18, 18))
    text = plain_label()
    layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
    layout.addWidget(text, 1)
    banner.hide()
    return banner, text


def _clear(layout: QVBoxLayout | QGridLayout | QHBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()


class DetailPane(QScrollArea):
    copy_requested = Signal(str)
    rescan_requested = Signal(tuple)
    operation_requested = Signal(str)  # services.operations.Action value, for the tree's selection

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # Text wraps to the pane's width; scrolling sideways would hide the end of every sentence.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._view: DetailView | None = None

        body = QWidget()
        self.setWidget(body)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(10)

        header = QHBoxLayout()
        self._icon = QLabel()
        self._icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self._title = plain_label(wrap=True, selectable=True)
        font = QFont(self._title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self._title.setFont(font)
        self._subtitle = plain_label()
        self._subtitle.setEnabled(False)
        titles.addWidget(self._title)
        titles.addWidget(self._subtitle)
        header.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        header.addLayout(titles, 1)
        outer.addLayout(header)

        self._state = plain_label()
        state_font = QFont(self._state.font())
        state_font.setBold(True)
        self._state.setFont(state_font)
        outer.addWidget(self._state)

        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.copy_key_button = QPushButton(self.tr("Copy AVMA key"))
        self.copy_key_button.clicked.connect(self._copy_key)
        self.copy_name_button = QPushButton(self.tr("Copy name"))
        self.copy_name_button.clicked.connect(self._copy_name)
        self.rescan_button = QPushButton(self.tr("Rescan host"))
        self.rescan_button.clicked.connect(self._rescan)
        for button in (self.copy_key_button, self.copy_name_button, self.rescan_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self._actions = QWidget()
        self._actions.setLayout(actions)
        actions.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._actions)

        # Write actions (qt/widgets/operations_ui.py): each opens its confirmation dialog for the tree's selection.
        write = QHBoxLayout()
        write.setSpacing(6)
        write.setContentsMargins(0, 0, 0, 0)
        self.push_button = QPushButton(self.tr("Push AVMA key…"))
        self.push_button.setToolTip(self.tr("Install the AVMA key in the selected VMs, after confirming the plan"))
        self.kvp_enable_button = QPushButton(self.tr("Enable Data Exchange…"))
        self.kvp_cleanup_button = QPushButton(self.tr("Clean up KVP data…"))
        for button, action in (
            (self.push_button, "push_key"),
            (self.kvp_enable_button, "enable_kvp"),
            (self.kvp_cleanup_button, "kvp_cleanup"),
        ):
            button.clicked.connect(lambda _checked=False, value=action: self.operation_requested.emit(value))
            write.addWidget(button)
        write.addStretch(1)
        self._write_actions = QWidget()
        self._write_actions.setLayout(write)
        self._operations_enabled = False
        outer.addWidget(self._write_actions)

        self._findings_box = QGroupBox(self.tr("Findings"))
        self._findings = QVBoxLayout(self._findings_box)
        self._findings.setSpacing(8)
        outer.addWidget(self._findings_box)

        self._facts_box = QGroupBox(self.tr("Facts"))
        self._facts = QGridLayout(self._facts_box)
        self._facts.setHorizontalSpacing(14)
        self._facts.setVerticalSpacing(4)
        self._facts.setColumnStretch(1, 1)
        outer.addWidget(self._facts_box)

        self._events_box = QGroupBox(self.tr("Recent AVMA events"))
        self._events = QVBoxLayout(self._events_box)
        outer.addWidget(self._events_box)

        self._placeholder = plain_label(self.tr("Select a cluster, host or VM to see its activation details."))
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setEnabled(False)
        outer.addWidget(self._placeholder)
        outer.addStretch(1)
        self.show_view(None)
        # Never narrower than its widest row of buttons (the splitter takes the room from the tree instead).
        self._actions.show()
        self._write_actions.show()
        widest = max(self._actions.sizeHint().width(), self._write_actions.sizeHint().width())
        self._actions.hide()
        self._write_actions.hide()
        margins = outer.contentsMargins()
        self.setMinimumWidth(widest + margins.left() + margins.right() + self.verticalScrollBar().sizeHint().width())

    # -- showing -------------------------------------------------------------------------------------------
    @property
    def view(self) -> DetailView | None:
        return self._view

    def show_view(self, view: DetailView | None) -> None:
        self._view = view
        empty = view is None
        for widget in (self._icon, self._title, self._subtitle, self._state, self._actions, self._write_actions):
            widget.setVisible(not empty)
        self._facts_box.setVisible(not empty)
        self._placeholder.setVisible(empty)
        _clear(self._facts)
        _clear(self._findings)
        _clear(self._events)
        if view is None:
            self._findings_box.hide()
            self._events_box.hide()
            return

        self._title.setText(view.title)
        self._subtitle.setText(view.subtitle)
        if view.state is not None:
            self._icon.setPixmap(theme.state_pixmap(view.state, ICON_SIZE))
            self._state.setText(view.state_text)
            palette = self._state.palette()
            palette.setColor(self._state.foregroundRole(), theme.tone_text_color(view.state.tone))
            self._state.setPalette(palette)
        else:
            self._icon.clear()
            self._state.setText("")

        for row, (label, value) in enumerate(view.facts):
            name = plain_label(label, wrap=False)
            name.setEnabled(False)
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self._facts.addWidget(name, row, 0)
            self._facts.addWidget(plain_label(value, selectable=True), row, 1)

        self._findings_box.setVisible(True)
        if not view.findings:
            none = plain_label(self.tr("No findings: nothing stands in the way of AVMA here."))
            none.setEnabled(False)
            self._findings.addWidget(none)
        for finding in view.findings:
            self._findings.addWidget(self._finding_widget(finding.severity, finding.message, finding.remediation))

        self._events_box.setVisible(bool(view.events))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for line in view.events:
            event_label = plain_label(line, selectable=True, wrap=False)
            event_label.setFont(mono)
            self._events.addWidget(event_label)

        kind = view.selection.kind
        self.copy_key_button.setVisible(kind == "vm")
        self.copy_key_button.setEnabled(view.avma_key is not None)
        self.copy_key_button.setToolTip(
            self.tr("Copy the AVMA key for this guest's version and edition")
            if view.avma_key
            else self.tr("AVMA has no key for this guest's version and edition")
        )
        self._update_write_buttons()
        self.rescan_button.setText(self.tr("Rescan cluster") if kind == "group" else self.tr("Rescan host"))
        self.rescan_button.setEnabled(bool(view.rescan_hosts))

    def _finding_widget(self, severity: Severity, message: str, remediation: str) -> QWidget:
        box = QFrame()
        box.setObjectName("finding")
        layout = QGridLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(8)
        layout.setVerticalSpacing(2)
        icon = QLabel()
        icon.setPixmap(theme.severity_pixmap(severity, 18))
        icon.setToolTip(theme.severity_label(severity))
        icon.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        text = plain_label(message, selectable=True)
        bold = QFont(text.font())
        bold.setBold(True)
        text.setFont(bold)
        fix = plain_label(remediation, selectable=True)
        layout.addWidget(icon, 0, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(text, 0, 1)
        layout.addWidget(fix, 1, 1)
        layout.setColumnStretch(1, 1)
        return box

    def set_operations_enabled(self, enabled: bool) -> None:
        """Write actions are off while a scan or another write action runs, or without an inventory."""
        self._operations_enabled = enabled
        self._update_write_buttons()

    def _update_write_buttons(self) -> None:
        vm = self._view.selection.vm if self._view is not None else None
        for button in (self.push_button, self.kvp_enable_button, self.kvp_cleanup_button):
            button.setEnabled(self._operations_enabled)
        if vm is not None and vm.kvp_enabled is True:
            self.kvp_enable_button.setEnabled(False)
            self.kvp_enable_button.setToolTip(self.tr("Data Exchange is enabled on this VM already"))
        else:
            self.kvp_enable_button.setToolTip(self.tr("Enable the Data Exchange integration service (AVMA needs it)"))
        self.kvp_cleanup_button.setToolTip(
            self.tr("Remove stale AVMA KVP data after the AVMA key was replaced by another channel's key")
        )

    # -- reading (tests and accessibility) -----------------------------------------------------------------
    def title_text(self) -> str:
        return self._title.text() if self._view is not None else ""

    def findings_text(self) -> str:
        return "\n".join(f"{f.message}\n{f.remediation}" for f in self._view.findings) if self._view else ""

    def facts_text(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self._view.facts) if self._view else ""

    # -- actions -------------------------------------------------------------------------------------------
    def _copy_key(self) -> None:
        if self._view is not None and self._view.avma_key:
            self.copy_requested.emit(self._view.avma_key)

    def _copy_name(self) -> None:
        if self._view is not None:
            self.copy_requested.emit(self._view.title)

    def _rescan(self) -> None:
        if self._view is not None and self._view.rescan_hosts:
            self.rescan_requested.emit(self._view.rescan_hosts)
