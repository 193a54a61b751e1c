"""The legend that is also the state filter: one toggle per state (icon, name, count) and "Problems only"."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QToolButton, QWidget

from avma_console.domain.outlook import Category
from avma_console.qt import theme
from avma_console.qt.widgets.flow_layout import FlowLayout


class StateFilterBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Rows that wrap to the pane's width: German labels are about half as long again as English ones.
        layout = FlowLayout(self, horizontal_spacing=4, vertical_spacing=2)
        layout.setContentsMargins(0, 0, 0, 0)
        self.problems_only = QToolButton()
        self.problems_only.setCheckable(True)
        self.problems_only.setText(self.tr("Problems only"))
        self.problems_only.setIcon(theme.warning_icon())
        self.problems_only.setToolTip(
            self.tr("Show only VMs that are not activated (and unreachable hosts); at-risk VMs have their own toggle")
        )
        self.problems_only.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.problems_only.toggled.connect(self.changed)
        self.problems_only.setAutoRaise(True)
        layout.addWidget(self.problems_only)
        self.buttons: dict[Category, QToolButton] = {}
        for state in theme.CATEGORY_ORDER:
            button = QToolButton()
            button.setCheckable(True)
            button.setChecked(True)
            button.setAutoRaise(True)
            button.setIcon(theme.state_icon(state))
            button.setIconSize(QSize(16, 16))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setToolTip(
                self.tr("{label}: {meaning}\nClick to hide or show these rows.").format(
                    label=theme.state_label(state), meaning=theme.category_description(state)
                )
            )
            button.toggled.connect(self.changed)
            self.buttons[state] = button
            layout.addWidget(button)
        self.set_counts(Counter())

    def set_counts(self, counts: Counter[Category]) -> None:
        for state, button in self.buttons.items():
            button.setText(f"{theme.state_label(state)} ({counts.get(state, 0)})")

    def shown_states(self) -> frozenset[Category]:
        return frozenset(state for state, button in self.buttons.items() if button.isChecked())

    def reset(self) -> None:
        for button in (self.problems_only, *self.buttons.values()):
            button.blockSignals(True)
        self.problems_only.setChecked(False)
        for button in self.buttons.values():
            button.setChecked(True)
        for button in (self.problems_only, *self.buttons.values()):
            button.blockSignals(False)
        self.changed.emit()
