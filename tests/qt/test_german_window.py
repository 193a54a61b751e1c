"""The console in German: after a real scan of the demo fleet, no English source text is left anywhere a user
reads it (window, menus, toolbars, docks, headers, tree, details, dialogs), and counts use the plural forms."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree
from PySide6.QtCore import QAbstractItemModel, QCoreApplication, QLocale, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTabBar,
    QWidget,
)
from qt_helpers import LabStarter, demo_fleet, lab_inventory

from avma_console.domain.i18n import Text
from avma_console.domain.states import AvmaOutcome
from avma_console.qt.context import AppContext
from avma_console.qt.i18n import install_translators, report_translate, stored_language
from avma_console.qt.scan_controller import ScanSummary, scan_status_text
from avma_console.qt.text import local_time, operation_text, remote_error
from avma_console.qt.widgets.connections_dialog import ConnectionsDialog
from avma_console.qt.widgets.history_settings import HistoryLocationDialog
from avma_console.qt.widgets.main_window import MainWindow
from avma_console.qt.widgets.operation_results import outcome_text
from avma_console.qt.widgets.push_dialog import ADDRESS, PushDialog
from avma_console.qt.widgets.report_dialog import ReportDialog
from avma_console.qt.widgets.unattend_dialog import UnattendDialog
from avma_console.services.operations import OVERRIDE_HINT, AnyPlan, PushPlanItem, ResultStatus

CATALOGUE = Path(__file__).resolve().parents[2] / "resources" / "i18n" / "avma_console_de.ts"
# Words that read the same in both languages (product names, codes): never a sign of a missing translation.
SAME_IN_BOTH = re.compile(r"^[^A-Za-z]*$")


def english_sources() -> set[str]:
    """Every English source text whose German differs and that is no German text itself (the "&Scan" menu is
    German too): finding one on screen means it was not translated."""
    sources, german_texts = set(), set()
    for message in ElementTree.parse(CATALOGUE).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        german = "".join(translation.itertext()) if translation is not None else ""
        german_texts.add(german.replace("&", ""))
        if source != german and "{" not in source and "%" not in source and not SAME_IN_BOTH.match(source):
            sources.add(source.replace("&", ""))
    return sources - german_texts


@pytest.fixture
def german(qapp: QApplication) -> Iterator[None]:
    translators = install_translators(qapp, "de")
    yield
    for translator in translators:
        qapp.removeTranslator(translator)
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def model_texts(model: QAbstractItemModel, parent: QModelIndex | None = None) -> Iterator[str]:
    parent = parent or QModelIndex()
    if not parent.isValid():
        for orientation in (Qt.Orientation.Horizontal, Qt.Orientation.Vertical):
            root = QModelIndex()
            count = model.columnCount(root) if orientation == Qt.Orientation.Horizontal else model.rowCount(root)
            for section in range(count):
                yield str(model.headerData(section, orientation, Qt.ItemDataRole.DisplayRole) or "")
    for row in range(model.rowCount(parent)):
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                yield str(model.data(index, role) or "")
            if column == 0 and model.rowCount(index) > 0:
                yield from model_texts(model, index)


def list_model_texts(model: QAbstractItemModel) -> list[str]:
    try:
        return list(model_texts(model))
    except TypeError:  # Qt's private models (a combo box's popup list) hide rowCount; their items are read above
        return []


def widget_texts(root: QWidget) -> Iterator[str]:
    for widget in [root, *root.findChildren(QWidget)]:
        yield widget.windowTitle() if widget.isWindow() else ""
        yield widget.toolTip()
        if isinstance(widget, QLabel | QAbstractButton):
            yield widget.text()
        if isinstance(widget, QLineEdit):
            yield widget.placeholderText()
        if isinstance(widget, QGroupBox):
            yield widget.title()
        if isinstance(widget, QDockWidget):
            yield widget.windowTitle()
        if isinstance(widget, QMenu):
            yield widget.title()
        if isinstance(widget, QTabBar):
            yield from (widget.tabText(index) for index in range(widget.count()))
        if isinstance(widget, QComboBox):
            yield from (widget.itemText(index) for index in range(widget.count()))
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            yield from list_model_texts(widget.model())
        for action in widget.actions():
            yield from (action.text(), action.toolTip(), action.statusTip())


def scanned_demo_window(qtbot: Any, start_lab: LabStarter, context: AppContext) -> MainWindow:
    """The window, shown, after a real scan of the demo fleet in the lab."""
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    fleet = demo_fleet()
    lab = start_lab(fleet)
    window.session.set_inventory(lab_inventory(lab, fleet), None)
    with qtbot.waitSignal(window.scans.finished, timeout=60_000):
        assert window.start_scan()
    return window


def english_left(texts: Iterator[str], sources: set[str]) -> list[str]:
    return sorted({text for text in texts if text.replace("&", "").strip() in sources})


def test_the_window_and_its_dialogs_show_no_english_source_text(
    qtbot: Any, german: None, start_lab: LabStarter
) -> None:
    sources = english_sources()
    assert "Problems only" in sources and "Activation denied" in sources
    context = AppContext()
    window = scanned_demo_window(qtbot, start_lab, context)
    node = window.model.tree.find_vm("app-2025")
    assert node is not None
    with qtbot.waitSignal(window.details.loaded, timeout=5000):
        assert window.select_node(node)
    assert english_left(widget_texts(window), sources) == []
    assert window.scan_action.text() == "Scannen"
    assert "Aktivierung verweigert" in {str(text) for text in model_texts(window.proxy)}
    dialogs: list[QWidget] = [
        ConnectionsDialog(context, window.session.inventory, window),
        ReportDialog(window.history.recording, context.tasks, window),
        HistoryLocationDialog(window.history.recording, window),
        UnattendDialog(context, parent=window),
    ]
    for dialog in dialogs:
        assert english_left(widget_texts(dialog), sources) == [], type(dialog).__name__
        dialog.deleteLater()
    # The write actions' confirmation dialogs, with a plan over every VM of the fleet: runnable VMs and refused
    # ones, their reasons, notes and expected outcomes (texts the services build) all in German.
    window.tree.selectAll()
    for action in (window.push_action, window.operations.enable_kvp_action, window.operations.cleanup_action):
        assert action.isEnabled(), action.text()
        action.trigger()
        confirm = window.operations.dialog
        assert confirm is not None and confirm.isVisible(), action.text()
        assert confirm.plan is not None and confirm.plan.runnable, action.text()
        # Data Exchange refuses only unreachable hosts (none in the demo fleet); the others refuse some VMs.
        assert bool(confirm.plan.refused) is (action is not window.operations.enable_kvp_action), action.text()
        assert english_left(widget_texts(confirm), sources) == [], action.text()
        assert_said_in_german(plan_texts(confirm.plan), list(widget_texts(confirm)))
        if isinstance(confirm, PushDialog):  # what is wrong with a typed key or guest address, in German too
            confirm.key_edit.setText("ABCDE-12345")
            assert confirm.key_message.text().startswith("✗ ") and "hat 10 Zeichen" in confirm.key_message.text()
            confirm.key_edit.clear()
            row = next(row for row, plan in enumerate(confirm.model.rows()) if plan.cells[1] == "ts-01")
            assert confirm.model.setData(confirm.model.index(row, ADDRESS), "10.0.0.5:http")
            assert "'http' ist keine Portnummer" in confirm.problem_label.text()
        grab = Path(os.environ.get("AVMA_TEST_GERMAN_DIALOGS", ""))
        if grab.name:  # a look at the German dialogs: AVMA_TEST_GERMAN_DIALOGS=/tmp/de-dialog
            confirm.grab().save(f"{grab}-{type(confirm).__name__}.png")
        confirm.reject()
    window.close()


def plan_texts(plan: AnyPlan) -> list[str]:
    """The plan's own sentences (services/operations): refusals, notes and, for a push, what is expected."""
    texts: list[str] = []
    for item in plan.items:
        texts += [refusal.reason for refusal in item.refusals] + list(item.notes)
        if isinstance(item, PushPlanItem) and item.runnable:
            texts.append(item.expected)
    return texts


def assert_said_in_german(texts: list[str], shown: list[str]) -> None:
    """Each of the services' sentences is on screen in German, and none in its English source."""
    assert texts and all(isinstance(text, Text) for text in texts)
    screen = "\n".join(shown)
    for text in texts:
        german = operation_text(text)
        assert german != text and german in screen, text
        assert text not in screen, text


def test_the_write_actions_results_show_no_english_source_text(
    qtbot: Any, german: None, start_lab: LabStarter, tmp_path: Path
) -> None:
    """A KVP clean-up over the whole demo fleet, without a guest account: refused VMs (still on AVMA, not
    running), done ones, and one whose guest-pushed item stays (a failure)."""
    sources = english_sources()
    window = scanned_demo_window(qtbot, start_lab, AppContext(audit_path=tmp_path / "audit.jsonl"))
    window.tree.selectAll()
    window.operations.cleanup_action.trigger()
    confirm = window.operations.dialog
    assert confirm is not None and confirm.plan is not None
    controller = window.operations.controller
    with qtbot.waitSignal(controller.finished, timeout=60_000) as finished:
        confirm.ok_button.click()
    results = window.operations.results
    assert results is not None and results.isVisible()
    shown = list(widget_texts(results))
    assert english_left(iter(shown), sources) == []
    run = finished.args[1]
    statuses = {result.status for result in run}
    assert ResultStatus.REFUSED in statuses and statuses - {ResultStatus.REFUSED}, statuses
    said = [text for result in run for text in (result.error, result.guest_skipped) if text]
    assert ResultStatus.FAILED in statuses and len(said) > len(run), "refusals, a failure, skipped guest items"
    # The command line's "--force" hint becomes the window's own wording; everything else is German.
    screen = "\n".join(shown)
    assert "kann überschrieben werden: --force" not in screen and "„Ablehnungen übergehen“ ankreuzen" in screen
    for text in said:
        assert isinstance(text, Text) and text not in screen, text
        german = operation_text(text.fields["reasons"] if text.template == OVERRIDE_HINT else text)
        assert german != text and german in screen, text
    # A push's results name the AVMA outcome as the German Windows does.
    assert [outcome_text(outcome) for outcome in AvmaOutcome] == [
        "AVMA erfolgreich",
        "Ungültiger Host",
        "Ungültige Daten",
        "Aktivierung verweigert",
    ]
    window.close()


def test_counts_use_the_plural_forms_and_the_german_number_format(german: None) -> None:
    one = scan_status_text(ScanSummary(hosts=1, vms=1, unreachable=0, cancelled=False, seconds=0.5))
    many = scan_status_text(ScanSummary(hosts=6, vms=19, unreachable=0, cancelled=False, seconds=1.25))
    assert one == "1 Host, 1 VM in 0,5 s gescannt"
    assert many.startswith("6 Hosts, 19 VMs in 1,")
    moment = datetime(2026, 12, 3, 20, 14, 7, tzinfo=UTC)
    assert re.fullmatch(r"\d\d\.\d\d\.2026 \d\d:\d\d:\d\d", local_time(moment)), local_time(moment)


def test_english_keeps_its_own_plural_forms(qapp: QApplication) -> None:
    translators = install_translators(qapp, "en")
    try:
        one = scan_status_text(ScanSummary(hosts=1, vms=2, unreachable=0, cancelled=False, seconds=0.5))
        assert one == "Scanned 1 host, 2 VMs in 0.5 s"
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def test_reports_translate_without_a_running_window() -> None:
    translate = report_translate("de")
    assert translate("Reports", "AVMA licence compliance (SPLA)") == "AVMA-Lizenzcompliance (SPLA)"
    assert translate("Reports", "a text nobody translated") == "a text nobody translated"


def test_the_language_menu_keeps_the_choice_for_the_next_start(qtbot: Any, qapp: QApplication) -> None:
    window = MainWindow(AppContext())
    qtbot.addWidget(window)
    choices = {action.text(): action for action in window.language_menu.menu.actions()}
    assert list(choices) == ["System language", "English", "Deutsch"]
    assert choices["System language"].isChecked()
    with qtbot.waitSignal(window.language_menu.chosen) as said:
        choices["Deutsch"].trigger()
    assert "next start" in said.args[0]
    assert stored_language() == "de"
    translators = install_translators(qapp)  # the next start: no --lang, the stored choice wins over the locale
    try:
        assert QCoreApplication.translate("MainWindow", "Scan") == "Scannen"
        assert QLocale().toString(1.5, "f", 1) == "1,5"
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def test_a_host_error_is_shown_in_german_with_its_values_as_they_are(german: None) -> None:
    assert remote_error("https://hv-01.contoso.local:5986/wsman refused the connection") == (
        "https://hv-01.contoso.local:5986/wsman hat die Verbindung abgewiesen"
    )
    assert remote_error("the host rejected the credentials of {vm}") == (  # braces in a value stay text
        "der Host hat die Anmeldeinformationen von {vm} abgelehnt"
    )
    assert remote_error("something only this host says") == "something only this host says"
