"""The connections dialog: clusters and hosts of the inventory, how to reach them, and a connection test.

Entries are validated by the domain's own dataclasses (the same rules as a hand-written TOML file), so the
dialog can never save an inventory the console would refuse to read. Passwords go to the OS keyring only,
on the executor (a keyring may block on an unlock prompt), and never into the inventory file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from avma_console.domain.inventory import (
    SCHEMES,
    TRANSPORTS,
    ConnectionSettings,
    EntryKind,
    Inventory,
    InventoryEntry,
    InventoryError,
)
from avma_console.domain.states import StateTone
from avma_console.qt import theme
from avma_console.qt.context import AppContext
from avma_console.qt.text import remote_error, remote_fix
from avma_console.qt.widgets.detail_pane import plain_label
from avma_console.services.credentials import CredentialError, resolve_password
from avma_console.services.guest_credentials import GUEST_KEYRING_TARGET
from avma_console.services.inventory_files import load_inventory, save_inventory
from avma_console.services.scan import ScanOptions, scan_inventory

CREDENTIAL_KINDS = ("keyring", "prompt", "env")


@dataclass
class Draft:
    """One entry as the form holds it (strings and plain values, possibly invalid while typing)."""

    kind: str = "host"
    name: str = ""
    address: str = ""
    transport: str = "ntlm"
    scheme: str = "https"
    port: int = 0  # 0: the scheme's standard port
    ca_bundle: str = ""
    username: str = ""
    credential: str = "keyring"
    env_var: str = ""
    allow_insecure: bool = False
    password: str = dataclasses.field(default="", repr=False)
    save_password: bool = True
    base: ConnectionSettings = dataclasses.field(default_factory=ConnectionSettings)

    @classmethod
    def of(cls, entry: InventoryEntry) -> Draft:
        s = entry.settings
        return cls(
            kind=entry.kind,
            name=entry.name,
            address=entry.address or "",
            transport=s.transport,
            scheme=s.scheme,
            port=s.port or 0,
            ca_bundle=s.ca_bundle or "",
            username=s.username or "",
            credential=s.credential_kind,
            env_var=s.credential_env_var or "",
            allow_insecure=s.allow_insecure,
            base=s,
        )

    def entry(self) -> InventoryEntry:
        """The validated entry; InventoryError says what to fix."""
        credential = f"env:{self.env_var}" if self.credential == "env" else self.credential
        settings = dataclasses.replace(
            self.base,
            transport=self.transport,  # type: ignore[arg-type]
            scheme=self.scheme,  # type: ignore[arg-type]
            port=self.port or None,
            ca_bundle=self.ca_bundle or None,
            username=self.username or None,
            credential=credential,
            allow_insecure=self.allow_insecure,
        )
        kind: EntryKind = "cluster" if self.kind == "cluster" else "host"
        return InventoryEntry(
            kind=kind, name=self.name.strip(), address=self.address.strip() or None, settings=settings
        )

    def label(self) -> str:
        kind = "▣" if self.kind == "cluster" else "▢"
        return f"{kind}  {self.name or '…'}"


class ConnectionsDialog(QDialog):
    inventory_accepted = Signal(object)  # Inventory
    tested = Signal(bool, str)  # ok, message

    def __init__(self, context: AppContext, inventory: Inventory | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Connections"))
        self.resize(900, 560)
        self._context = context
        self._defaults = inventory.defaults if inventory else ConnectionSettings()
        self._source = inventory.source if inventory else "inventory"
        self._drafts: list[Draft] = [Draft.of(entry) for entry in inventory.entries] if inventory else []
        self._loading = False
        self.result_inventory: Inventory | None = None

        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.entries = QListWidget()
        self.entries.currentRowChanged.connect(self._show_draft)
        left.addWidget(self.entries, 1)
        buttons = QHBoxLayout()
        self.add_host_button = QPushButton(self.tr("Add host"))
        self.add_host_button.clicked.connect(lambda: self.add_entry("host"))
        self.add_cluster_button = QPushButton(self.tr("Add cluster"))
        self.add_cluster_button.clicked.connect(lambda: self.add_entry("cluster"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.clicked.connect(self.remove_current)
        for button in (self.add_host_button, self.add_cluster_button, self.remove_button):
            buttons.addWidget(button)
        left.addLayout(buttons)
        files = QHBoxLayout()
        self.import_button = QPushButton(self.tr("Import TOML…"))
        self.import_button.clicked.connect(self._choose_import)
        self.export_button = QPushButton(self.tr("Export TOML…"))
        self.export_button.clicked.connect(self._choose_export)
        files.addWidget(self.import_button)
        files.addWidget(self.export_button)
        left.addLayout(files)
        layout.addLayout(left, 2)

        right = QVBoxLayout()
        self.form_widget = QWidget()
        form = QFormLayout(self.form_widget)
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Host"), "host")
        self.kind.addItem(self.tr("Cluster (any node; the others are discovered)"), "cluster")
        self.name = QLineEdit()
        self.name.setPlaceholderText("hv-01.contoso.local")
        self.address = QLineEdit()
        self.address.setPlaceholderText(self.tr("optional: IP address or another name to connect to"))
        self.transport = QComboBox()
        for transport in TRANSPORTS:
            self.transport.addItem(transport, transport)
        self.scheme = QComboBox()
        for scheme in SCHEMES:
            self.scheme.addItem(scheme, scheme)
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText(self.tr("standard (5986 https, 5985 http)"))
        ca_row = QHBoxLayout()
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText(self.tr("system certificate authorities"))
        self.ca_browse = QPushButton(self.tr("Browse…"))
        self.ca_browse.clicked.connect(self._choose_ca)
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(self.ca_browse)
        self.username = QLineEdit()
        self.username.setPlaceholderText("CONTOSO\\svc-avma")
        self.credential = QComboBox()
        self.credential.addItem(self.tr("OS keyring"), "keyring")
        self.credential.addItem(self.tr("Ask each time"), "prompt")
        self.credential.addItem(self.tr("Environment variable"), "env")
        self.env_var = QLineEdit()
        self.env_var.setPlaceholderText("AVMA_PASSWORD")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("only needed to store it or to test"))
        self.save_password = QCheckBox(self.tr("Save password in OS keyring"))
        self.save_password.setChecked(context.settings.save_passwords)
        self.allow_insecure = QCheckBox(self.tr("Allow insecure connection (plain HTTP without encryption)"))
        self.insecure_warning = plain_label(
            self.tr(
                "⚠ Credentials and data may travel unprotected. Use this only in an isolated lab; "
                "the console shows a warning banner while such an endpoint is in the inventory."
            )
        )
        self._paint_warning(self.insecure_warning)

        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.tr("Transport"), self.transport)
        form.addRow(self.tr("Scheme"), self.scheme)
        form.addRow(self.tr("Port"), self.port)
        form.addRow(self.tr("TLS CA bundle"), ca_row)
        form.addRow(self.tr("Username"), self.username)
        form.addRow(self.tr("Password from"), self.credential)
        form.addRow(self.tr("Variable"), self.env_var)
        form.addRow(self.tr("Password"), self.password)
        form.addRow("", self.save_password)
        form.addRow("", self.allow_insecure)
        form.addRow("", self.insecure_warning)
        right.addWidget(self.form_widget)

        right.addWidget(self._guest_box())

        self.error_label = plain_label()
        self._paint_error(self.error_label)
        right.addWidget(self.error_label)

        test_row = QHBoxLayout()
        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.clicked.connect(self.test_connection)
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        right.addLayout(test_row)
        self.test_result = plain_label(selectable=True)
        right.addWidget(self.test_result)
        right.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        right.addWidget(self.buttons)
        layout.addLayout(right, 3)

        for widget in (self.name, self.address, self.ca_bundle, self.username, self.env_var, self.password):
            widget.textChanged.connect(self._store)
        for combo in (self.kind, self.transport, self.scheme, self.credential):
            combo.currentIndexChanged.connect(self._store)
        self.port.valueChanged.connect(self._store)
        self.allow_insecure.toggled.connect(self._store)
        self.save_password.toggled.connect(self._store)

        self._reload_list()
        if self._drafts:
            self.entries.setCurrentRow(0)
        else:
            self._show_draft(-1)

    def _guest_box(self) -> QGroupBox:
        """Guest credentials for every host of the inventory ([defaults]): scans read each guest's own licence."""
        box = QGroupBox(self.tr("Guest credentials (every host)"))
        form = QFormLayout(box)
        self.guest_user = QLineEdit(self._defaults.guest_username or "")
        self.guest_user.setPlaceholderText(self.tr("e.g. Administrator (empty: read guests from the host side only)"))
        self.guest_password = QLineEdit()
        self.guest_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.guest_password.setPlaceholderText(self.tr("stored in the OS keyring; empty keeps the stored one"))
        about = plain_label(
            self.tr(
                "A local administrator of the guests. Scans use it through PowerShell Direct from each host to "
                "read the guest's own licence and its events 12309; it is never sent to an address a guest reports."
            ),
            wrap=True,
        )
        form.addRow(self.tr("Guest user"), self.guest_user)
        form.addRow(self.tr("Password"), self.guest_password)
        form.addRow("", about)
        return box

    def _with_guest_settings(self, defaults: ConnectionSettings) -> ConnectionSettings:
        user = self.guest_user.text().strip()
        if not user:
            return dataclasses.replace(defaults, guest_username=None, guest_credential=None)
        # The file's own source (env:VAR, prompt) stays unless a password is typed here for the keyring.
        keep = user == defaults.guest_username and defaults.guest_credential and not self.guest_password.text()
        spec = defaults.guest_credential if keep else "keyring"
        return dataclasses.replace(defaults, guest_username=user, guest_credential=spec)

    # -- colours ------------------------------------------------------------------------------------------
    @staticmethod
    def _paint_warning(label: QLabel) -> None:
        palette = label.palette()
        palette.setColor(label.foregroundRole(), theme.tone_text_color(StateTone.WARNING))
        label.setPalette(palette)

    @staticmethod
    def _paint_error(label: QLabel) -> None:
        palette = label.palette()
        palette.setColor(label.foregroundRole(), theme.tone_text_color(StateTone.ERROR))
        label.setPalette(palette)

    # -- list ---------------------------------------------------------------------------------------------------
    def _reload_list(self) -> None:
        row = self.entries.currentRow()
        self.entries.blockSignals(True)
        self.entries.clear()
        for draft in self._drafts:
            item = QListWidgetItem(draft.label())
            self.entries.addItem(item)
        self.entries.blockSignals(False)
        if 0 <= row < len(self._drafts):
            self.entries.setCurrentRow(row)

    @property
    def drafts(self) -> list[Draft]:
        return self._drafts

    def add_entry(self, kind: str = "host") -> Draft:
        draft = Draft.of(InventoryEntry(kind="host", name="new-host", settings=self._defaults))
        draft.kind = kind
        draft.name = ""
        self._drafts.append(draft)
        self._reload_list()
        self.entries.setCurrentRow(len(self._drafts) - 1)
        self.name.setFocus()
        return draft

    def remove_current(self) -> None:
        row = self.entries.currentRow()
        if 0 <= row < len(self._drafts):
            del self._drafts[row]
            self._reload_list()
            self.entries.setCurrentRow(min(row, len(self._drafts) - 1))
            if not self._drafts:
                self._show_draft(-1)

    def current_draft(self) -> Draft | None:
        row = self.entries.currentRow()
        return self._drafts[row] if 0 <= row < len(self._drafts) else None

    def _show_draft(self, row: int) -> None:
        draft = self._drafts[row] if 0 <= row < len(self._drafts) else None
        self.form_widget.setEnabled(draft is not None)
        self.test_button.setEnabled(draft is not None)
        self.remove_button.setEnabled(draft is not None)
        self.test_result.setText("")
        if draft is None:
            self.error_label.setText("")
            return
        self._loading = True
        try:
            self.kind.setCurrentIndex(max(0, self.kind.findData(draft.kind)))
            self.name.setText(draft.name)
            self.address.setText(draft.address)
            self.transport.setCurrentIndex(max(0, self.transport.findData(draft.transport)))
            self.scheme.setCurrentIndex(max(0, self.scheme.findData(draft.scheme)))
            self.port.setValue(draft.port)
            self.ca_bundle.setText(draft.ca_bundle)
            self.username.setText(draft.username)
            self.credential.setCurrentIndex(max(0, self.credential.findData(draft.credential)))
            self.env_var.setText(draft.env_var)
            self.password.setText(draft.password)
            self.save_password.setChecked(draft.save_password)
            self.allow_insecure.setChecked(draft.allow_insecure)
        finally:
            self._loading = False
        self._update_form_state(draft)

    def _store(self) -> None:
        draft = self.current_draft()
        if draft is None or self._loading:
            return
        draft.kind = str(self.kind.currentData())
        draft.name = self.name.text()
        draft.address = self.address.text()
        draft.transport = str(self.transport.currentData())
        draft.scheme = str(self.scheme.currentData())
        draft.port = self.port.value()
        draft.ca_bundle = self.ca_bundle.text()
        draft.username = self.username.text()
        draft.credential = str(self.credential.currentData())
        draft.env_var = self.env_var.text()
        draft.password = self.password.text()
        draft.save_password = self.save_password.isChecked()
        draft.allow_insecure = self.allow_insecure.isChecked()
        item = self.entries.currentItem()
        if item is not None:
            item.setText(draft.label())
        self._update_form_state(draft)

    def _update_form_state(self, draft: Draft) -> None:
        self.env_var.setEnabled(draft.credential == "env")
        self.save_password.setEnabled(draft.credential == "keyring")
        self.insecure_warning.setVisible(draft.allow_insecure)
        try:
            draft.entry()
        except InventoryError as error:
            self.error_label.setText(str(error))
        else:
            self.error_label.setText("")

    # -- files --------------------------------------------------------------------------------------------------
    def _choose_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("TLS CA bundle"), "", self.tr("PEM certificates (*.pem *.crt *.cer);;All files (*)")
        )
        if path:
            self.ca_bundle.setText(path)

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import inventory"), "", self.tr("Inventory (*.toml)"))
        if path:
            self._context.tasks.spawn(self.import_from(Path(path)), name="import inventory")

    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export inventory"), "", self.tr("Inventory (*.toml)"))
        if path:
            self._context.tasks.spawn(self.export_to(Path(path)), name="export inventory")

    async def import_from(self, path: Path) -> bool:
        try:
            inventory = await self._context.tasks.run_blocking(load_inventory, path)
        except InventoryError as error:
            self.error_label.setText(str(error))
            return False
        self._defaults = inventory.defaults
        self._source = inventory.source
        self._drafts = [Draft.of(entry) for entry in inventory.entries]
        self._reload_list()
        self.entries.setCurrentRow(0 if self._drafts else -1)
        return True

    async def export_to(self, path: Path) -> bool:
        try:
            inventory = self.build_inventory()
            await self._context.tasks.run_blocking(save_inventory, inventory, path)
        except InventoryError as error:
            self.error_label.setText(str(error))
            return False
        return True

    def build_inventory(self) -> Inventory:
        entries = []
        for index, draft in enumerate(self._drafts, start=1):
            try:
                entries.append(draft.entry())
            except InventoryError as error:
                raise InventoryError(f"{draft.kind} {index} ({draft.name or 'unnamed'}): {error}") from None
        defaults = self._with_guest_settings(self._defaults)
        inherited = (self._defaults.guest_username, self._defaults.guest_credential)
        # Entries that inherited the guest settings follow the new ones; an entry's own setting wins.
        entries = [
            dataclasses.replace(
                entry,
                settings=dataclasses.replace(
                    entry.settings,
                    guest_username=defaults.guest_username,
                    guest_credential=defaults.guest_credential,
                ),
            )
            if (entry.settings.guest_username, entry.settings.guest_credential) == inherited
            else entry
            for entry in entries
        ]
        return Inventory(defaults=defaults, entries=tuple(entries), source=self._source)

    # -- test ---------------------------------------------------------------------------------------------------
    def test_connection(self) -> None:
        draft = self.current_draft()
        if draft is None:
            return
        self.test_button.setEnabled(False)
        self.test_result.setText(self.tr("Connecting…"))
        self._context.tasks.spawn(self._test(draft), name="test connection")

    async def _test(self, draft: Draft) -> None:
        try:
            ok, message = await self._run_test(draft)
        finally:
            self.test_button.setEnabled(True)
        palette = self.test_result.palette()
        palette.setColor(
            self.test_result.foregroundRole(), theme.tone_text_color(StateTone.GOOD if ok else StateTone.ERROR)
        )
        self.test_result.setPalette(palette)
        self.test_result.setText(message)
        self.tested.emit(ok, message)

    async def _run_test(self, draft: Draft) -> tuple[bool, str]:
        try:
            entry = dataclasses.replace(draft.entry(), kind="host")
        except InventoryError as error:
            return False, self.tr("Not tested: {error}").format(error=error)
        password: str | None = draft.password or None
        if password is None and entry.settings.needs_password:
            if entry.settings.credential_kind == "prompt":
                return False, self.tr("Enter the password above to test this connection.")
            try:
                password = await self._context.tasks.run_blocking(
                    resolve_password, entry, store=self._context.credentials, prompt=None
                )
            except CredentialError as error:
                return False, self.tr("No password: {error}").format(error=error)
        inventory = Inventory(defaults=self._defaults, entries=(entry,), source=self._source)
        snapshot = await scan_inventory(
            inventory,
            lambda _: password,
            options=ScanOptions(
                concurrency=1, guest_credential=self._context.guest_credential, clock=self._context.clock
            ),
        )
        host = snapshot.hosts[0]
        if not host.reachable:
            return False, self.tr("Failed: {error}\nWhat to do: {fix}").format(
                error=remote_error(host.error), fix=remote_fix(host.error_fix)
            )
        version = f"Windows Server {host.version.label}" if host.version else self.tr("unknown version")
        edition = host.edition.label if host.edition else ""
        return True, self.tr("OK: {name} runs {version} {edition}; Hyper-V {hyperv}; {vms} VMs.").format(
            name=host.name,
            version=version,
            edition=edition,
            hyperv=self.tr("installed") if host.hyperv else self.tr("not installed"),
            vms=len(host.vms),
        )

    # -- accept -------------------------------------------------------------------------------------------------
    def accept(self) -> None:
        try:
            inventory = self.build_inventory()
        except InventoryError as error:
            self.error_label.setText(str(error))
            return
        self.result_inventory = inventory
        to_store = [
            (draft.name.strip(), draft.username, draft.password)
            for draft in self._drafts
            if draft.credential == "keyring" and draft.save_password and draft.password and draft.username
        ]
        guest_user = inventory.defaults.guest_username
        if guest_user and self.guest_password.text():
            to_store.append((GUEST_KEYRING_TARGET, guest_user, self.guest_password.text()))
        self._context.settings.save_passwords = self.save_password.isChecked()
        if to_store:
            self._context.tasks.spawn(self._store_passwords(to_store), name="store passwords")
        self.inventory_accepted.emit(inventory)
        super().accept()

    async def _store_passwords(self, items: list[tuple[str, str, str]]) -> None:
        store = self._context.credentials

        def save() -> None:
            for target, user, password in items:
                store.set(target, user, password)

        try:
            await self._context.tasks.run_blocking(save)
        except CredentialError as error:
            self._context.errors.reported.emit(self.tr("Password not saved"), str(error))
