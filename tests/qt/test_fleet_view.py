"""The fleet tree keeps pictures of rows it painted before (widgets/fleet_view.py): what the operator sees must
be exactly what painting every row afresh shows, whatever changed in between."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QPointF
from PySide6.QtGui import (
    QColor,
    QHoverEvent,
    QImage,
    QPalette,
    QPixmap,
    QPointingDevice,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import QApplication
from qt_helpers import make_host, open_main_window

from avma_console.domain.states import ActivationState as S
from avma_console.qt.widgets.fleet_view import FleetTreeView, RowPictures
from avma_console.qt.widgets.main_window import MainWindow


def fleet(states: dict[str, S] | None = None) -> list[Any]:
    """Two clusters and standalone hosts with VMs in different states; `states` overrides some VMs' states."""
    states = states or {}
    hosts = []
    for number in range(12):
        cluster = ("CL-A", "CL-B", None)[number % 3]
        name = f"HV-{number:02d}"
        vms = tuple(
            (vm, states.get(vm, (S.AVMA_ACTIVATED, S.GRACE, S.ACTIVATION_DENIED)[(number + slot) % 3]))
            for slot in range(4)
            for vm in [f"vm-{number:02d}-{slot}"]
        )
        hosts.append(make_host(name, cluster, vms))
    hosts.append(make_host("HV-DOWN", None, error="refused it"))
    return hosts


@pytest.fixture
def window(qtbot: Any) -> Iterator[MainWindow]:
    main = open_main_window(qtbot, 1100, 600)
    main.model.upsert_hosts(fleet())
    main.tree.expandToDepth(0)
    main.tree.expand(host_index(main, "HV-01"))  # more rows than the tree shows at once: it can scroll
    yield main
    main.close()


def painted(tree: FleetTreeView) -> QImage:
    return tree.viewport().grab().toImage()


def assert_looks_as_painted_afresh(tree: FleetTreeView) -> None:
    """Paint three times (a row's picture is made on its second paint and copied on the third), then compare
    with every row painted afresh."""
    for _ in range(3):
        kept = painted(tree)
    tree.keeps_row_pictures = False
    try:
        fresh = painted(tree)
    finally:
        tree.keeps_row_pictures = True
    assert kept == fresh


def host_index(main: MainWindow, name: str) -> QModelIndex:
    node = main.model.host_node(name)
    assert node is not None
    return main.proxy.mapFromSource(main.model.index_of(node))


def scroll_by_one_row(main: MainWindow) -> None:
    scroll_bar = main.tree.verticalScrollBar()
    before = scroll_bar.value()
    scroll_bar.setValue(before + 1 if before < scroll_bar.maximum() else before - 1)
    assert scroll_bar.value() != before  # every row on screen changes places (and background)


def select_a_host(main: MainWindow) -> None:
    main.tree.selectionModel().select(
        host_index(main, "HV-04"),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def move_the_current_row(main: MainWindow) -> None:
    main.tree.setFocus()
    main.tree.setCurrentIndex(host_index(main, "HV-03"))


def move_the_focus_away(main: MainWindow) -> None:
    select_a_host(main)
    main.tree.setFocus()
    painted(main.tree)
    main.filter_edit.setFocus()


def expand_a_host(main: MainWindow) -> None:
    main.tree.expand(host_index(main, "HV-00"))


def collapse_a_host(main: MainWindow) -> None:
    main.tree.collapse(host_index(main, "HV-01"))


def narrow_the_window(main: MainWindow) -> None:
    main.resize(main.width() - 150, main.height())


def change_vm_states(main: MainWindow) -> None:
    main.model.upsert_hosts(fleet({"vm-00-0": S.ACTIVATION_DENIED, "vm-03-1": S.AVMA_ACTIVATED}))


def remove_a_host(main: MainWindow) -> None:
    main.model.remove_hosts(["HV-09"])  # another host becomes the last of its cluster


def filter_by_text(main: MainWindow) -> None:
    main.proxy.set_text("HV-0")


def widen_a_column(main: MainWindow) -> None:
    main.tree.setColumnWidth(0, main.tree.columnWidth(0) + 37)


def scroll_sideways(main: MainWindow) -> None:
    main.tree.setColumnWidth(0, 900)
    main.tree.horizontalScrollBar().setValue(40)


def switch_to_a_dark_palette(main: MainWindow) -> None:
    palette = QPalette(main.tree.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#2c2c2c"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#f0f0f0"))
    main.tree.setPalette(palette)


def point_at_a_row(main: MainWindow) -> None:
    viewport = main.tree.viewport()
    y = main.tree.visualRect(host_index(main, "HV-00")).center().y()
    event = QHoverEvent(
        QEvent.Type.HoverMove,
        QPointF(30, y),
        QPointF(30, y),
        QPointF(-1, -1),
        device=QPointingDevice.primaryPointingDevice(),
    )
    QApplication.sendEvent(viewport, event)


CHANGES: dict[str, Callable[[MainWindow], None]] = {
    "scroll by one row": scroll_by_one_row,
    "select a host": select_a_host,
    "move the current row": move_the_current_row,
    "move the focus away": move_the_focus_away,
    "expand a host": expand_a_host,
    "collapse a host": collapse_a_host,
    "narrow the window": narrow_the_window,
    "change VM states": change_vm_states,
    "remove a host": remove_a_host,
    "filter by text": filter_by_text,
    "widen a column": widen_a_column,
    "scroll sideways": scroll_sideways,
    "switch to a dark palette": switch_to_a_dark_palette,
    "point at a row": point_at_a_row,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_after_a_change_the_tree_looks_as_if_every_row_were_painted_afresh(
    window: MainWindow, change: Callable[[MainWindow], None]
) -> None:
    assert_looks_as_painted_afresh(window.tree)
    change(window)
    assert_looks_as_painted_afresh(window.tree)


def test_all_changes_one_after_another_leave_no_stale_row(window: MainWindow) -> None:
    for change in CHANGES.values():
        change(window)
        assert_looks_as_painted_afresh(window.tree)


def test_rows_that_stay_as_they_were_are_copied_not_painted_again(window: MainWindow) -> None:
    tree = window.tree
    tree.forget_row_pictures()
    painted(tree)
    assert tree.row_pictures.copied == 0 and len(tree.row_pictures) == 0  # a row painted once keeps nothing
    painted(tree)
    kept = len(tree.row_pictures)
    assert kept >= 5  # the rows on screen (but the current one)
    painted(tree)
    assert tree.row_pictures.copied >= kept
    change_vm_states(window)  # HV-00 and HV-03 (and their clusters' rows) look different now
    copied = tree.row_pictures.copied
    painted(tree)
    assert 0 < tree.row_pictures.copied - copied < kept


def test_pictures_stay_within_their_budget() -> None:
    pictures = RowPictures(budget_bytes=3 * 100 * 20 * 4)
    for key in range(5):
        assert not pictures.worth_keeping(key)
        assert pictures.worth_keeping(key)
        pictures.keep(key, QPixmap(100, 20))
    assert len(pictures) == 3
    assert pictures.picture(0) is None and pictures.picture(4) is not None
    pictures.keep("too big", QPixmap(1000, 1000))
    assert pictures.picture("too big") is None


def test_the_tree_without_a_fleet_model_paints_every_row_itself(qtbot: Any) -> None:
    tree = FleetTreeView()
    qtbot.addWidget(tree)
    model = QStandardItemModel()
    for row in range(5):
        model.appendRow([QStandardItem(f"row {row}")])
    tree.setModel(model)
    tree.show()
    qtbot.waitExposed(tree)
    for _ in range(3):
        painted(tree)
    assert len(tree.row_pictures) == 0 and tree.row_pictures.copied == 0
    assert painted(tree).pixelColor(5, 5) != painted(tree).pixelColor(5, 5).black()  # drawn at all
