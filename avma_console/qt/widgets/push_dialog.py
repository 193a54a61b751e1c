"""Confirm a key push: per VM the host, the path into the guest, the key, what is expected, and refusals.

AVMA keys are public and shown whole; any other key (typed by the operator) only by its last five
characters, as Windows shows it. A typed key is checked as it is typed (format and checksum, the same
`validate_key` the command line uses); while it is invalid the dialog says why under the field and cannot
be confirmed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from avma_console.domain.keys import InvalidProductKeyError, avma_products_for_key, validate_key
from avma_console.domain.states import StateTone
from avma_console.qt import theme
from avma_console.qt.text import operation_text
from avma_console.qt.widgets.confirm_dialog import HOST, ConfirmDialog, PlanRow
from avma_console.qt.widgets.detail_pane import plain_label
from avma_console.services.operations import AccessPath, Action, PushPlan, needs_guest_winrm, plan_push

PATH, ADDRESS, KEY, EXPECTED, REASONS = range(HOST + 1, HOST + 6)


class PushDialog(ConfirmDialog):
    action = Action.PUSH_KEY
    address_column = ADDRESS
    key_column = KEY
    uses_guest_account = True
    guest_account_required = True

    def _add_inputs(self) -> None:
        form = QFormLayout()
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("typedKey")
        self.key_edit.setPlaceholderText(self.tr("Leave empty: each guest gets the AVMA key of its own version"))
        self.key_edit.setClearButtonEnabled(True)
        self.key_edit.setFixedWidth(max(440, self.key_edit.fontMetrics().horizontalAdvance("W" * 29 + "----") + 48))
        self.key_message = plain_label(wrap=False)
        self.key_message.setObjectName("keyMessage")
        key_column = QVBoxLayout()
        key_column.setSpacing(2)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit)
        key_row.addStretch(1)
        key_column.addLayout(key_row)
        key_column.addWidget(self.key_message)
        form.addRow(plain_label(self.tr("Key to install"), wrap=False), key_column)
        self.top.addLayout(form)
        self.key_edit.textChanged.connect(self._key_changed)
        self._key_changed()

    def _first_focus(self) -> QWidget:
        return self.key_edit

    # -- the typed key ----------------------------------------------------------------------------------------
    def typed_key(self) -> str | None:
        text = self.key_edit.text().strip()
        return text or None

    def key_error(self) -> str:
        """Why the typed key is not a product key (empty when it is, or when none is typed)."""
        typed = self.typed_key()
        if typed is None:
            return ""
        try:
            validate_key(typed)
        except InvalidProductKeyError as error:
            return operation_text(error.args[0])
        return ""

    def _key_changed(self) -> None:
        typed = self.typed_key()
        error = self.key_error()
        tone = StateTone.NEUTRAL
        if typed is None:
            text = self.tr("Each guest gets the AVMA key of its own version and edition.")
        elif error:
            text = self.tr("✗ Not a valid key: {error}").format(error=error)
            tone = StateTone.ERROR
        else:
            products = avma_products_for_key(typed)
            if products:
                version, edition = products[0]
                text = self.tr("✓ The AVMA key of Windows Server {version} {edition}.").format(
                    version=version.avma_family.label, edition=edition.label
                )
                tone = StateTone.GOOD
            else:
                text = self.tr(
                    "✓ A valid key, but not an AVMA key: the VMs leave AVMA and are licensed through that key's "
                    "channel. It is shown and recorded by its last five characters only."
                )
                tone = StateTone.WARNING
        self.key_message.setText(text)
        palette = self.key_message.palette()
        palette.setColor(self.key_message.foregroundRole(), theme.tone_text_color(tone))
        self.key_message.setPalette(palette)
        if self.plan is not None:  # set up: replan with the new key
            self.request_replan()

    # -- ConfirmDialog ---------------------------------------------------------------------------------------
    def _action_headers(self) -> tuple[str, ...]:
        return (self.tr("Path"), self.tr("Guest address"), self.tr("Key"), self.tr("Expected"))

    def _input_problem(self) -> str:
        return self.tr("The typed key is not valid (see under the field).") if self.key_error() else ""

    def _plan(self) -> PushPlan:
        return plan_push(
            self.snapshot,
            self.targets,
            key=self.typed_key(),
            override=self.state.override,
            guest_addresses=self.state.addresses,
        )

    def _path_text(self, path: AccessPath | None, guest_winrm: bool) -> str:
        if path is AccessPath.POWERSHELL_DIRECT:
            return self.tr("PowerShell Direct")
        if path is AccessPath.GUEST_WINRM or guest_winrm:
            return self.tr("WinRM to guest")
        return "—"

    def _rows(self, plan: object) -> list[PlanRow]:
        assert isinstance(plan, PushPlan)
        rows = []
        for item in plan.items:
            guest_winrm = needs_guest_winrm(item.host, item.vm)
            expected = operation_text(item.expected) if item.runnable else self.tr("nothing: not attempted")
            address = self.address_text(item.vm.vm_id) if guest_winrm else "—"
            cells = (self._path_text(item.path, guest_winrm), address, item.key_shown or "—", expected)
            where = self.tr("{vm} on {host}").format(vm=item.vm.name, host=item.host.name)
            rows.append(self._plan_row(item, cells, (where, expected), address_editable=guest_winrm))
        return rows

    def _intro_text(self, total: int) -> str:
        return self.tr(
            "Install a product key in {total} selected VM(s). Nothing changes until you confirm; every attempt "
            "and every refusal is recorded in the audit log."
        ).format(total=total)

    def _ok_text(self, count: int) -> str:
        return self.tr("Push key to {count} VM(s)").format(count=count)
