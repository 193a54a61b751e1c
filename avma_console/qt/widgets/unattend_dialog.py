"""The unattend.xml fragment that gives a new VM its AVMA key at setup: pick version and edition, copy or save.

The version and edition start from the selected VM when there is one. The XML comes from
`services.unattend` (validated and parsed back before it is shown); it is read-only and monospace.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from avma_console.domain.keys import avma_key_for
from avma_console.domain.states import StateTone
from avma_console.domain.versions import Edition, ServerVersion
from avma_console.qt import theme
from avma_console.qt.context import AppContext
from avma_console.qt.widgets.detail_pane import plain_label
from avma_console.services.unattend import UnattendError, unattend_product_key_xml

EDITIONS = (Edition.DATACENTER, Edition.DATACENTER_AZURE, Edition.STANDARD, Edition.ESSENTIALS)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


class UnattendDialog(QDialog):
    saved = Signal(str)  # the path written
    problem = Signal(str)  # why it was not

    def __init__(
        self,
        context: AppContext,
        version: ServerVersion | None = None,
        edition: Edition | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.setObjectName("unattendDialog")
        self.setWindowTitle(self.tr("Unattend snippet: AVMA key at setup"))
        self.setSizeGripEnabled(True)
        self.resize(1150, 540)

        layout = QVBoxLayout(self)
        intro = plain_label(
            self.tr(
                "Put this into the answer file of a VM template (specialize pass): the VM installs its AVMA key "
                "during setup and activates through its Hyper-V host on first boot."
            )
        )
        layout.addWidget(intro)
        form = QFormLayout()
        self.version = QComboBox()
        self.version.setObjectName("unattendVersion")
        for version_value in ServerVersion:
            self.version.addItem(
                self.tr("Windows Server {version}").format(version=version_value.label), version_value.value
            )
        self.edition = QComboBox()
        self.edition.setObjectName("unattendEdition")
        for edition_value in EDITIONS:
            self.edition.addItem(edition_value.label, edition_value.value)
        form.addRow(plain_label(self.tr("Version"), wrap=False), self.version)
        form.addRow(plain_label(self.tr("Edition"), wrap=False), self.edition)
        layout.addLayout(form)

        self.message = plain_label()
        self.message.setObjectName("unattendMessage")
        layout.addWidget(self.message)
        self.text = QPlainTextEdit()
        self.text.setObjectName("unattendXml")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.text, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton(self.tr("Copy to clipboard"))
        self.save_button = QPushButton(self.tr("Save…"))
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self._choose_file)
        layout.addWidget(self.buttons)

        self.select(version or ServerVersion.V2022, edition or Edition.DATACENTER)
        self.version.currentIndexChanged.connect(self._render)
        self.edition.currentIndexChanged.connect(self._render)

    def select(self, version: ServerVersion, edition: Edition) -> None:
        """Pick a version and edition (an edition outside the list keeps the current one)."""
        self.version.setCurrentIndex(max(0, self.version.findData(version.value)))
        index = self.edition.findData(edition.value)
        if index >= 0:
            self.edition.setCurrentIndex(index)
        self._render()

    def chosen(self) -> tuple[ServerVersion, Edition]:
        return ServerVersion(self.version.currentData()), Edition(self.edition.currentData())

    def xml(self) -> str:
        return self.text.toPlainText()

    def _render(self) -> None:
        version, edition = self.chosen()
        try:
            document = unattend_product_key_xml(version, edition)
        except UnattendError as error:
            self.text.setPlainText("")
            self._say(str(error), StateTone.ERROR)
            ok = False
        else:
            self.text.setPlainText(document)
            key = avma_key_for(version, edition) or ""
            self._say(
                self.tr("AVMA key of Windows Server {version} {edition}: {key}").format(
                    version=version.label, edition=edition.label, key=key
                ),
                StateTone.NEUTRAL,
            )
            ok = True
        self.copy_button.setEnabled(ok)
        self.save_button.setEnabled(ok)

    def _say(self, text: str, tone: StateTone) -> None:
        self.message.setText(text)
        palette = self.message.palette()
        palette.setColor(self.message.foregroundRole(), theme.tone_text_color(tone))
        self.message.setPalette(palette)

    def copy(self) -> None:
        if self.xml():
            QGuiApplication.clipboard().setText(self.xml())

    def _choose_file(self) -> None:
        version, edition = self.chosen()
        suggested = f"unattend-avma-{version.value}-{edition.value}.xml"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save unattend snippet"), suggested, "XML (*.xml)")
        if path:
            self._context.tasks.spawn(self.save_to(Path(path)), name="save unattend")

    async def save_to(self, path: Path) -> bool:
        """Write the XML (UTF-8) on the executor; `saved` or `problem` says how it went."""
        text = self.xml()
        if not text:
            return False
        try:
            await self._context.tasks.run_blocking(_write, path, text)
        except OSError as error:
            self.problem.emit(
                self.tr("Cannot write {path}: {reason}; choose a writable folder").format(
                    path=str(path), reason=error.strerror or str(error)
                )
            )
            return False
        self.saved.emit(str(path))
        return True
