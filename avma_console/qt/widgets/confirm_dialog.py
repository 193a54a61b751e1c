"""The confirmation dialog every write action goes through: what will happen to each VM, and why not.

A table lists every selected VM with its plan: acted on, refused (icon, text and a tinted row, with the
reasons), or acted on despite refusals because the operator ticked "Override refusals" (only refusals the
services mark overridable give way). Guest credentials are asked for where the action works inside guests;
2012 R2 guests get an editable address cell (WinRM straight to the guest), checked as it is typed.

Nothing runs from here: the dialog replans on every change (planning is pure and fast) and, once the
operator confirms, hands the plan exactly as shown to the caller (`request()`). Esc and Cancel run nothing.
Every value that came from a host is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from avma_console.domain.fleet import FleetSnapshot
from avma_console.domain.states import ActivationState, StateTone
from avma_console.qt import theme
from avma_console.qt.context import AppContext
from avma_console.qt.operations_controller import (
    OperationRequest,
    action_title,
    demo_guest_addresses,
    known_guest_credential,
)
from avma_console.qt.text import operation_text, translator
from avma_console.qt.widgets.detail_pane import plain_label, warning_banner
from avma_console.qt.widgets.wrapped_table import FIT_ALL_ROWS, RowsModel, plain_tooltip, row_fitter
from avma_console.services.credentials import CredentialError, Secret
from avma_console.services.guest_credentials import GUEST_KEYRING_TARGET
from avma_console.services.operations import (
    Action,
    AnyPlan,
    GuestAddress,
    GuestCredential,
    GuestCredentials,
    OperationError,
    Refusal,
    Target,
)
from avma_console.services.operations.model import PlanItem

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
DEFAULT_GUEST_USER = "Administrator"
PLAN, VM, HOST = range(3)  # every plan's first columns (`ConfirmDialog._headers`); the action's own follow
SYNC_REPLAN = 200  # up to this many VMs every change replans at once; above, after a short pause in typing
REPLAN_DELAY_MS = 150
MAX_COLUMN_WIDTH = 210  # wider text wraps; the last column (reasons) takes the rest
FIELD_WIDTH = 360


_tr = translator("ConfirmDialog")


class RowKind(StrEnum):
    RUN = "run"  # will be acted on
    FORCED = "forced"  # refused, but the operator overrides: acted on anyway
    REFUSED = "refused"  # not acted on


@dataclass(frozen=True, slots=True)
class PlanRow:
    vm_id: str
    kind: RowKind
    cells: tuple[str, ...]  # one per column; column 0 is the plan text (shown with the kind's icon)
    tooltip: str = ""
    address_editable: bool = False


def row_kind(runnable: bool, refusals: Sequence[Refusal]) -> RowKind:
    if not runnable:
        return RowKind.REFUSED
    return RowKind.FORCED if refusals else RowKind.RUN


def kind_text(kind: RowKind) -> str:
    return {
        RowKind.RUN: _tr("Will run"),
        RowKind.FORCED: _tr("Override"),
        RowKind.REFUSED: _tr("Refused"),
    }[kind]


def reasons_text(refusals: Sequence[Refusal], notes: Sequence[str]) -> str:
    """Refusals first (with whether they can be overridden), then notes; one per line."""
    lines = []
    for refusal in refusals:
        suffix = "" if refusal.overridable else _tr(" (cannot be overridden)")
        lines.append(f"✗ {operation_text(refusal.reason)}{suffix}")
    lines += [f"• {operation_text(note)}" for note in notes]
    return "\n".join(lines)


def overridable(refusals: Sequence[Refusal]) -> bool:
    """Whether "Override refusals" would let this VM run (it has refusals, and every one may be overridden)."""
    return bool(refusals) and all(refusal.overridable for refusal in refusals)


class PlanTableModel(RowsModel[PlanRow]):
    """The rows of a plan; the guest-address column (if any) is editable where `address_editable`."""

    address_edited = Signal(str, str)  # vm_id, the text typed

    def __init__(
        self,
        headers: Sequence[str],
        address_column: int | None = None,
        mono_column: int | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(headers, parent)
        self.address_column = address_column
        self.mono_column = mono_column  # product keys: a fixed-width font tells 8 from B and 0 from O
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.address_errors: dict[str, str] = {}  # vm_id -> why the typed address is not usable

    # -- contents --------------------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[PlanRow]) -> None:
        if [row.vm_id for row in rows] == [row.vm_id for row in self._rows]:
            self._rows = list(rows)
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self._headers) - 1))
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, vm_id: str) -> int:
        return next((row for row, plan in enumerate(self._rows) if plan.vm_id == vm_id), -1)

    # -- Qt --------------------------------------------------------------------------------------------------
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._headers):
            return None
        if role == _DISPLAY:
            return self._headers[section] + (" ✎" if section == self.address_column else "")
        if role == Qt.ItemDataRole.ToolTipRole and section == self.address_column:
            return self.tr("Double-click a cell to type the guest's WinRM address (ADDRESS or ADDRESS:PORT)")
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and index.column() == self.address_column and self._rows[index.row()].address_editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def cell_data(self, row: PlanRow, column: int, role: int) -> Any:
        editable_address = column == self.address_column and row.address_editable
        error = self.address_errors.get(row.vm_id) if editable_address else None
        if role in (_DISPLAY, Qt.ItemDataRole.EditRole):
            text = row.cells[column] if column < len(row.cells) else ""
            if role == _DISPLAY and editable_address and not text:
                return self.tr("(type the address)")
            return text
        if role == Qt.ItemDataRole.DecorationRole:
            if column == 0:
                return kind_icon(row.kind)
            if error is not None:
                return theme.state_icon(ActivationState.UNLICENSED)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if error is not None:
                return plain_tooltip(error)
            if editable_address:
                return self.tr("Double-click to type the guest's WinRM address (ADDRESS or ADDRESS:PORT)")
            return plain_tooltip(row.tooltip) if row.tooltip else None
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.kind is RowKind.REFUSED:
                return theme.tone_tint_color(StateTone.ERROR)
            if row.kind is RowKind.FORCED:
                return theme.tone_tint_color(StateTone.WARNING)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if error is not None or (column == 0 and row.kind is RowKind.REFUSED):
                return theme.tone_text_color(StateTone.ERROR)
            if column == 0 and row.kind is RowKind.FORCED:
                return theme.tone_text_color(StateTone.WARNING)
            if editable_address and not row.cells[column]:
                return QGuiApplication.palette().placeholderText().color()
            return None
        if role == Qt.ItemDataRole.FontRole and column == 0:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.FontRole and column == self.mono_column:
            return self._mono
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        self.address_edited.emit(self._rows[index.row()].vm_id, str(value or "").strip())
        return True

    # -- reading (tests, copying) -----------------------------------------------------------------------------
    def text(self, row: int, column: int) -> str:
        value = self.data(self.index(row, column))
        return "" if value is None else str(value)


def kind_icon(kind: RowKind) -> Any:
    if kind is RowKind.RUN:
        return theme.state_icon(ActivationState.AVMA_ACTIVATED)
    if kind is RowKind.FORCED:
        return theme.warning_icon()
    return theme.state_icon(ActivationState.UNLICENSED)


# ---------------------------------------------------------------------------------------------------------


class GuestCredentialBox(QGroupBox):
    """The account used inside the guests: user, password, and whether to keep it in the OS keyring.

    Prefilled from what the console knows (the demo lab's guest account); otherwise the password is looked
    up in the keyring ("USER@guests", as `avma-console push --guest-credential keyring` does) on the
    executor, so a keyring unlock prompt cannot freeze the window.
    """

    changed = Signal()

    def __init__(self, context: AppContext, *, required: bool, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Guest account (used inside the guests)"), parent)
        self._context = context
        self.required = required
        self._lookup = 0
        self._closed = False
        form = QFormLayout(self)
        self.user = QLineEdit(DEFAULT_GUEST_USER)
        self.user.setObjectName("guestUser")
        self.password = QLineEdit()
        self.password.setObjectName("guestPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(
            self.tr("needed to install keys") if required else self.tr("optional: without it only host-side items")
        )
        for field_widget in (self.user, self.password):
            field_widget.setMaximumWidth(FIELD_WIDTH)
        self.save = QCheckBox(self.tr("Save in the OS keyring (as USER@guests)"))
        self.note = plain_label()
        self.note.setEnabled(False)
        form.addRow(plain_label(self.tr("User"), wrap=False), self.user)
        form.addRow(plain_label(self.tr("Password"), wrap=False), self.password)
        form.addRow("", self.save)
        form.addRow("", self.note)
        self.user.textChanged.connect(self.changed)
        self.password.textChanged.connect(self.changed)
        self.user.editingFinished.connect(self.look_up)

        known = known_guest_credential(context)
        if known is not None:
            self.user.setText(known.username)
            self.password.setText(known.password.reveal())
            source = self.tr("the demo lab") if context.demo_lab is not None else self.tr("the scan settings")
            self.note.setText(self.tr("Filled in from {source}.").format(source=source))
        else:
            self.look_up()

    def close_lookups(self) -> None:
        self._closed = True

    def look_up(self) -> None:
        """Fill in the password stored in the keyring for this user, unless one was typed already."""
        user = self.user.text().strip()
        if self.password.text() or not user or self._closed:
            return
        self._lookup += 1
        self._context.tasks.spawn(self._fetch(user, self._lookup), name="guest password lookup")

    async def _fetch(self, user: str, lookup: int) -> None:
        store = self._context.credentials
        try:
            stored = await self._context.tasks.run_blocking(store.get, GUEST_KEYRING_TARGET, user)
        except CredentialError as error:
            stored, problem = None, str(error)
        else:
            problem = ""
        if self._closed or lookup != self._lookup or self.password.text() or self.user.text().strip() != user:
            return
        if stored:
            self.password.setText(stored)
            self.note.setText(self.tr("Filled in from the OS keyring."))
        elif problem:
            self.note.setText(self.tr("The OS keyring could not be read: {problem}").format(problem=problem))

    def credential(self) -> GuestCredential | None:
        user, password = self.user.text().strip(), self.password.text()
        if not user or not password:
            return None
        return GuestCredential(user, Secret(password))

    @property
    def complete(self) -> bool:
        return not self.required or self.credential() is not None


# ---------------------------------------------------------------------------------------------------------


@dataclass
class DialogState:
    override: bool = False
    address_text: dict[str, str] = field(default_factory=dict)  # vm_id (upper) -> what was typed
    addresses: dict[str, GuestAddress] = field(default_factory=dict)  # the ones that parse


class ConfirmDialog(QDialog):
    """Base of the three confirmation dialogs; subclasses plan and describe rows (`_plan`, `_rows`)."""

    action: Action
    headers: tuple[str, ...] = ()
    address_column: int | None = None
    key_column: int | None = None
    uses_guest_account = False
    guest_account_required = False
    initial_size = (1360, 700)

    def __init__(
        self,
        context: AppContext,
        snapshot: FleetSnapshot,
        targets: Sequence[Target],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.snapshot = snapshot
        self.targets = list(targets)
        self.state = DialogState()
        self.plan: AnyPlan | None = None
        self.setObjectName(f"confirm_{self.action.value}")
        self.setWindowTitle(self.tr("{action} — confirm").format(action=action_title(self.action)))
        self.setSizeGripEnabled(True)
        self.resize(*self.initial_size)

        layout = QVBoxLayout(self)
        self.intro = plain_label()
        layout.addWidget(self.intro)
        self.top = QVBoxLayout()
        layout.addLayout(self.top)

        self.model = PlanTableModel(self._headers(), self.address_column, self.key_column, self)
        self.model.address_edited.connect(self._address_edited)
        self.table = QTableView()
        self.table.setObjectName("planTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setResizeContentsPrecision(FIT_ALL_ROWS)  # column widths from a sample, not every row
        self._fit_rows = row_fitter(self.table, self)  # wrapped reasons: row heights follow the column widths
        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.setInterval(REPLAN_DELAY_MS)
        self._replan_timer.timeout.connect(self.replan)
        layout.addWidget(self.table, 1)

        self.summary = plain_label()
        layout.addWidget(self.summary)

        self.override = QCheckBox(self.tr("Override refusals"))
        self.override.setObjectName("overrideRefusals")
        self.override.setToolTip(
            self.tr("Act on refused VMs too, where every reason may be overridden; the others stay refused.")
        )
        self.override_warning, self.override_text = warning_banner()  # the main window's amber banner
        self.override.toggled.connect(self._override_toggled)
        self.override.setVisible(self._supports_override())
        # Below the table, side by side: the guest account (left), the override and its warning (right).
        bottom = QHBoxLayout()
        self.account: GuestCredentialBox | None = None
        if self.uses_guest_account:
            self.account = GuestCredentialBox(context, required=self.guest_account_required)
            self.account.changed.connect(self._update_ok)
            bottom.addWidget(self.account, 1)
        override_column = QVBoxLayout()
        override_column.addWidget(self.override)
        override_column.addWidget(self.override_warning)
        override_column.addStretch(1)
        bottom.addLayout(override_column, 1)
        layout.addLayout(bottom)

        self.problem_label = plain_label()
        self.problem_label.setObjectName("problemLabel")
        palette = self.problem_label.palette()
        palette.setColor(self.problem_label.foregroundRole(), theme.tone_text_color(StateTone.ERROR))
        self.problem_label.setPalette(palette)
        layout.addWidget(self.problem_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = QPushButton()
        self.ok_button.setObjectName("confirmButton")
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self._no_default_button()
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.finished.connect(self._closed)

        for vm_id, address in demo_guest_addresses(context).items():
            self.state.address_text[vm_id] = str(address)
            self.state.addresses[vm_id] = address

        self._add_inputs()
        self.replan()
        self._size_columns()
        self._first_focus().setFocus()

    # -- the table's frame: every plan row starts with the plan, the VM and its host, and ends with the reasons --
    def _headers(self) -> tuple[str, ...]:
        return (self.tr("Plan"), self.tr("VM"), self.tr("Host"), *self._action_headers(), self.tr("Refusals and notes"))

    def _plan_row(
        self, item: PlanItem, action_cells: tuple[str, ...], details: Sequence[str], *, address_editable: bool = False
    ) -> PlanRow:
        """One VM's row: `action_cells` under `_action_headers`; the tooltip is `details` and the reasons."""
        kind = row_kind(item.runnable, item.refusals)
        reasons = reasons_text(item.refusals, item.notes)
        cells = (kind_text(kind), item.vm.name, item.host.name, *action_cells, reasons)
        tooltip = "\n".join(text for text in (*details, reasons) if text)
        return PlanRow(item.vm.vm_id, kind, cells, tooltip, address_editable=address_editable)

    # -- subclass hooks ------------------------------------------------------------------------------------------
    def _add_inputs(self) -> None:
        """The action's own input widgets, added to `self.top` (above the table) before the first plan."""

    def _first_focus(self) -> QWidget:
        # Not the table: its current-cell frame on the first row reads like a selection. Never OK either.
        return self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    def _action_headers(self) -> tuple[str, ...]:
        """The headers of the action's own columns, between the host and the reasons."""
        raise NotImplementedError

    def _plan(self) -> AnyPlan:
        raise NotImplementedError

    def _rows(self, plan: AnyPlan) -> list[PlanRow]:
        raise NotImplementedError

    def _supports_override(self) -> bool:
        return True

    def _intro_text(self, total: int) -> str:
        raise NotImplementedError

    def _ok_text(self, count: int) -> str:
        raise NotImplementedError

    def _input_problem(self) -> str:
        """Why the dialog's own input is not usable (e.g. a typed key); empty if it is."""
        return ""

    # -- planning ------------------------------------------------------------------------------------------------
    def request_replan(self) -> None:
        """Replan after an input changed: at once for a usual selection, after a pause in typing for a huge one."""
        if len(self.targets) <= SYNC_REPLAN:
            self.replan()
        else:
            self._update_ok()  # the input's own problem shows at once
            self._replan_timer.start()

    def replan(self) -> None:
        self._replan_timer.stop()
        problem = self._input_problem()
        if not problem:
            self.plan = self._plan()
            self.model.set_rows(self._rows(self.plan))
            self.table.resizeColumnToContents(0)  # "Override" is wider than "Refused"
        self._update_override()
        self._update_ok()
        self._fit_rows.start()

    def runnable_count(self) -> int:
        return len(self.plan.runnable) if self.plan is not None else 0

    def _update_override(self) -> None:
        items = self.plan.items if self.plan is not None else ()
        can_override = [item for item in items if overridable(item.refusals)]
        self.override.setEnabled(bool(can_override) or self.override.isChecked())
        if self.override.isChecked():
            self.override_text.setText(
                self.tr(
                    "Override is on for {count} VM(s): the console acts although it expects AVMA to fail there "
                    "(Windows decides). Refusals that cannot be overridden stay refused. Your override is "
                    "recorded in the audit log with every attempt."
                ).format(count=sum(1 for item in items if item.runnable and item.refusals))
            )
        self.override_warning.setVisible(self.override.isChecked())

    def _override_toggled(self, checked: bool) -> None:
        self.state.override = checked
        self.request_replan()

    def _address_edited(self, vm_id: str, text: str) -> None:
        key = vm_id.upper()
        self.state.address_text[key] = text
        self.state.addresses.pop(key, None)
        self.model.address_errors.pop(vm_id, None)
        if text:
            try:
                self.state.addresses[key] = GuestAddress.parse(text)
            except OperationError as error:
                self.model.address_errors[vm_id] = operation_text(error.args[0])
        self.request_replan()

    def address_text(self, vm_id: str) -> str:
        return self.state.address_text.get(vm_id.upper(), "")

    def _update_ok(self) -> None:
        problems = [self._input_problem()]
        if self.model.address_errors:
            problems.append(
                self.tr("Fix the guest address: {error}").format(error=next(iter(self.model.address_errors.values())))
            )
        count = self.runnable_count() if not problems[0] else 0
        if self.account is not None and count and not self.account.complete:
            problems.append(self.tr("Enter the guest account's password: it is used inside the guests."))
        problem = next((text for text in problems if text), "")
        self.problem_label.setText(problem)
        self.problem_label.setVisible(bool(problem))
        self.ok_button.setText(self._ok_text(count))
        self.ok_button.setEnabled(count > 0 and not problem)
        total = len(self.targets)
        self.intro.setText(self._intro_text(total))
        # While the dialog's own input is unusable the table shows the last good plan, greyed out.
        self.table.setEnabled(not problems[0])
        if problems[0]:
            self.summary.setText(self.tr("The plan is shown again once the input above is valid."))
        else:
            self.summary.setText(
                self.tr(
                    "{run} of {total} VM(s) will be changed; {refused} refused (reasons in the last column)."
                ).format(run=count, total=total, refused=total - count)
            )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._no_default_button()  # the button box makes its first accept button the default when shown
        self._fit_rows.start()

    def _no_default_button(self) -> None:
        """Enter in a text field must not confirm a write action by accident: it takes a click (or Alt+key)."""
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)

    def _size_columns(self) -> None:
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount() - 1):
            widest = None if column == self.key_column else MAX_COLUMN_WIDTH  # a key is read whole
            width = max(header.sectionSize(column), 70)
            header.resizeSection(column, width if widest is None else min(width, widest))
        self._fit_rows.start()

    # -- confirming ---------------------------------------------------------------------------------------------
    def _confirm(self) -> None:
        self.replan()  # the plan confirmed is the plan shown, computed from exactly these inputs
        if self.ok_button.isEnabled():
            self.accept()

    def request(self) -> OperationRequest:
        """The confirmed operation (after `accepted`)."""
        assert self.plan is not None
        credential = self.account.credential() if self.account is not None else None
        save = credential if self.account is not None and self.account.save.isChecked() else None
        return OperationRequest(self.action, self.plan, GuestCredentials(default=credential), save)

    def _closed(self, _result: int) -> None:
        if self.account is not None:
            self.account.close_lookups()
            if self.result() != QDialog.DialogCode.Accepted:
                self.account.password.clear()
