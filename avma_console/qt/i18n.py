"""The console's language: which one (setting, --lang, system locale) and loading its translations.

German and English ship (resources/i18n, compiled by scripts/translations.py). The language is chosen once per
process, before the first window exists: View > Language stores the choice and it applies at the next start
(every label is created translated; switching live would have to rebuild every widget and model header).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QSettings, QTranslator, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from avma_console.assets import resource
from avma_console.domain.i18n import Translate

CATALOGUE = "avma_console"
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch"}  # code -> the language's own name
SETTING = "view/language"  # "" or missing: follow the system locale


def stored_language() -> str | None:
    value = QSettings().value(SETTING, "")
    return value if isinstance(value, str) and value in LANGUAGES else None


def store_language(code: str | None) -> None:
    settings = QSettings()
    settings.setValue(SETTING, code or "")
    settings.sync()


def resolve_locale(code: str | None) -> QLocale:
    """`code` ("de", "en") wins; otherwise the system locale (LANG, LC_ALL, the OS setting)."""
    return QLocale(code) if code else QLocale.system()


def language_of(locale: QLocale) -> str:
    """The shipped language that serves `locale`: German for any German locale, English for everything else."""
    return "de" if locale.language() == QLocale.Language.German else "en"


def _catalogue_folder() -> str:
    return str(Path(str(resource("i18n"))))


def install_translators(app: QCoreApplication, code: str | None = None) -> list[QTranslator]:
    """Qt's own and the console's translations for `code` (or the stored choice, or the system locale).

    Also makes that locale QLocale's default, so dates and numbers the GUI formats follow the same language."""
    locale = resolve_locale(code or stored_language())
    language = language_of(locale)
    QLocale.setDefault(locale if language == "de" else QLocale(QLocale.Language.English, locale.territory()))
    translators = []
    qt_translator = QTranslator(app)
    if language != "en" and qt_translator.load(
        f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    ):
        app.installTranslator(qt_translator)
        translators.append(qt_translator)
    ours = QTranslator(app)
    if not ours.load(f"{CATALOGUE}_{language}", _catalogue_folder()):
        raise FileNotFoundError(
            f"the {LANGUAGES[language]} translation ({CATALOGUE}_{language}.qm) is missing from {_catalogue_folder()}; "
            "reinstall avma-console or run python scripts/translations.py in a checkout"
        )
    app.installTranslator(ours)
    translators.append(ours)
    return translators


def report_translate(code: str | None) -> Translate:
    """The `Translate` for headless output (reports) in language `code`, or the system locale's."""
    language = language_of(resolve_locale(code))
    translator = QTranslator()
    if not translator.load(f"{CATALOGUE}_{language}", _catalogue_folder()):
        raise FileNotFoundError(f"{CATALOGUE}_{language}.qm is missing from {_catalogue_folder()}")

    def translate(context: str, text: str) -> str:
        return translator.translate(context, text) or text

    return translate


class LanguageMenu(QObject):
    """View > Language: the system's language or a fixed one, stored for the next start (see the module doc)."""

    chosen = Signal(str)  # a sentence for the status bar

    def __init__(self, menu: QMenu) -> None:
        super().__init__(menu)
        self.menu = menu.addMenu(self.tr("&Language"))
        group = QActionGroup(self)
        current = stored_language() or ""
        choices = {"": self.tr("System language"), **LANGUAGES}
        for code, name in choices.items():
            action = self.menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == current)
            action.setData(code)
            group.addAction(action)
        group.triggered.connect(self._choose)

    def _choose(self, action: QAction) -> None:
        code = str(action.data() or "")
        store_language(code or None)
        self.chosen.emit(self.tr("The language changes at the next start of the console."))
