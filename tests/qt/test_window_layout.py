"""The layout fitted to a small window (1366x768): docks give up height, the detail pane keeps its buttons whole,
and the Errors dock's "What to do" wraps onto more lines instead of being cut off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QSize, Qt
from PySide6.QtWidgets import QTreeWidgetItem

from avma_console.qt.context import AppContext
from avma_console.qt.i18n import install_translators
from avma_console.qt.widgets.main_window import MainWindow
from avma_console.qt.widgets.state_filter import StateFilterBar
from avma_console.qt.widgets.window_layout import DEFAULT_SIZE, default_size, fit_layout

FIX = (
    "Check that WinRM listens there (winrm quickconfig; Test-WSMan) and that a firewall allows the port, "
    "then scan again."
)


def open_small_window(qtbot: Any) -> MainWindow:
    main = MainWindow(AppContext())
    qtbot.addWidget(main)
    main.resize(1366, 768)
    fit_layout(main, 1366, 768)
    main.show()
    qtbot.waitExposed(main)
    return main


@pytest.fixture
def small_window(qtbot: Any) -> Iterator[MainWindow]:
    main = open_small_window(qtbot)
    yield main
    main.close()


def test_a_small_window_keeps_the_tree_the_detail_pane_and_whole_sentences(
    qtbot: Any, small_window: MainWindow
) -> None:
    window = small_window
    tree_width, detail_width = window.splitter.sizes()
    assert detail_width >= window.detail_pane.minimumWidth() > 0
    assert tree_width > detail_width  # the tree stays the main view
    assert window.detail_pane.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    qtbot.waitUntil(lambda: window.matrix_dock.height() < 230)  # the compact dock height, not the default

    item = QTreeWidgetItem(window.errors_list, ["HV-BER-09", "refused the connection", FIX])
    one_line = window.errors_list.fontMetrics().height()
    qtbot.waitUntil(lambda: window.errors_list.visualItemRect(item).height() > 2 * one_line)
    assert item.text(2) == FIX  # the whole sentence, wrapped, never elided


def test_the_first_start_fits_the_screen() -> None:
    assert default_size(None) == DEFAULT_SIZE
    window = MainWindow(AppContext())
    screen = window.screen()
    size = default_size(screen)
    room = screen.availableGeometry().size()
    assert size == QSize(min(1600, room.width()), min(1000, room.height()))
    window.deleteLater()


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_window_fits_a_1366_pixel_screen_in_either_language(qtbot: Any, qapp: Any, language: str) -> None:
    # German labels are about half as long again: the state toggles wrap instead of widening the tree pane.
    translators = install_translators(qapp, language)
    try:
        window = open_small_window(qtbot)
        assert window.minimumSizeHint().width() <= 1366
        assert window.width() == 1366
        toggles = window.findChild(StateFilterBar)
        assert toggles is not None
        assert all(button.isVisible() for button in toggles.buttons.values())
        assert all(toggles.rect().contains(button.geometry()) for button in toggles.buttons.values())
        window.close()
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
