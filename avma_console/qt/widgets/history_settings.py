"""History > History database…: where GUI scans are recorded (a file, or a PostgreSQL URL), and whether.

The URL is kept in the console's settings, so it must not carry a password (DESIGN.md, security rules):
PostgreSQL's client reads one from ~/.pgpass or PGPASSWORD. A URL with a password is refused with that advice.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from avma_console.qt import theme
from avma_console.qt.history_recording import HistoryRecording
from avma_console.qt.text import translator
from avma_console.qt.widgets.detail_pane import plain_label
from avma_console.services.history_access import (
    HistoryLocationError,
    check_location,
    default_location,
    location_has_password,
)

_tr = translator("HistorySettings")


class HistoryLocationDialog(QDialog):
    def __init__(self, recording: HistoryRecording, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyLocationDialog")
        self.setWindowTitle(_tr("History database"))
        self._recording = recording
        explanation = plain_label(
            _tr(
                "Every scan is recorded here: states, changes and AVMA events, for the event viewer, the VM "
                "timeline and licence reports. Leave the field empty for the default file:\n{default}\n\n"
                "For a shared PostgreSQL database write postgresql://USER@HOST[:PORT]/DATABASE. Its password "
                "is not kept by the console: PostgreSQL reads it from ~/.pgpass or the PGPASSWORD variable."
            ).format(default=default_location())
        )
        self.location_edit = QLineEdit(recording.configured_location() or "")
        self.location_edit.setPlaceholderText(default_location())
        self.location_edit.setClearButtonEnabled(True)
        self.record_check = QCheckBox(_tr("Record every scan in the history"))
        self.record_check.setChecked(recording.enabled)
        self.demo_note = plain_label(
            _tr("The demo lab records into a throw-away history of its own; this setting applies to real fleets.")
        )
        self.demo_note.setVisible(recording.demo)
        self.error_icon = QLabel()
        self.error_icon.setFixedSize(18, 18)
        self.error_label = plain_label()
        self.error_label.setObjectName("historyLocationError")
        errors = QHBoxLayout()
        errors.addWidget(self.error_icon, 0, Qt.AlignmentFlag.AlignTop)
        errors.addWidget(self.error_label, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (explanation, self.location_edit, self.record_check, self.demo_note):
            layout.addWidget(widget)
        layout.addLayout(errors)
        layout.addWidget(buttons)
        self.resize(600, self.sizeHint().height())

    def check(self) -> str | None:
        """The problem with the typed location, or None if it can be used."""
        text = self.location_edit.text().strip()
        if location_has_password(text):
            return _tr(
                "Leave the password out of the URL: the console keeps no passwords in its settings. "
                "Put it in ~/.pgpass (or the PGPASSWORD variable) for PostgreSQL to find."
            )
        try:
            check_location(text or None)
        except HistoryLocationError as error:
            return str(error)
        return None

    def accept(self) -> None:
        problem = self.check()
        if problem is not None:
            self.error_icon.setPixmap(theme.warning_icon().pixmap(18, 18))
            self.error_label.setText(problem)
            return
        self._recording.set_enabled(self.record_check.isChecked())
        self._recording.set_location(self.location_edit.text().strip() or None)
        super().accept()
