"""The credential sweep: no test password may end up in a file the test session wrote, or in a log record.

Registered by tests/conftest.py as a plugin. It works in two places:

* every log record of the session (a handler on the root logger; `avma_console` logs at INFO for the run) is
  checked against fleet_support.TEST_PASSWORDS as it is emitted, whatever caplog or the test does with it;
* at session end (`pytest_sessionfinish`, before pytest prints its summary and picks the exit code) every
  file under the session's basetemp (all tmp_path / tmp_path_factory folders, which is where the tests put
  histories, audit logs, inventories, reports, screenshots and CLI output) and every file the session
  changed in the console's per-user data and config folders (a default history or audit log) is read and
  searched for every password as UTF-8 and UTF-16-LE.

Any hit turns the session's exit status into TESTS_FAILED and is listed (path and which password, never the
password itself). A hook rather than a last test: it sees files written by every test, in any order, with
-k or -x selections, and cannot be deselected.

Excluded on purpose (the only exclusions): the lab's NTLM_USER_FILE. The lab simulates the Windows hosts'
account database for pyspnego's NTLM acceptor; that file must hold the lab password in clear text by design.
It is created 0600 in its own private `mkdtemp` folder (prefix `avma-lab-ntlm-`, outside basetemp) and
removed when the last lab server stops; the sweep skips any path inside such a folder should one ever be
placed under basetemp, and names the exclusion in its report.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import platformdirs
import pytest

NTLM_USER_DIR_PREFIX = "avma-lab-ntlm-"  # avma_console/lab/http.py _NtlmUserFile
APP_NAME = "avma-console"
_MAX_FILE_BYTES = 256 * 1024 * 1024


class _LeakHandler(logging.Handler):
    def __init__(self, passwords: tuple[str, ...]) -> None:
        super().__init__(level=logging.NOTSET)
        self.passwords = passwords
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken record is the logging module's problem, not a leak
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1])
        for index, password in enumerate(self.passwords):
            if password in text:
                self.leaks.append(f"log record {record.name}:{record.lineno} holds TEST_PASSWORDS[{index}]")


class SecretSweep:
    def __init__(self, passwords: Iterable[str]) -> None:
        self.passwords = tuple(passwords)
        self.started = time.time()
        self.basetemp: Path | None = None
        self.handler = _LeakHandler(self.passwords)
        self._app_logger = logging.getLogger("avma_console")
        self._previous_level = self._app_logger.level

    # -- wiring ----------------------------------------------------------------------------------------

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        logging.getLogger().addHandler(self.handler)
        if self._app_logger.level in (logging.NOTSET,) or self._app_logger.level > logging.INFO:
            self._app_logger.setLevel(logging.INFO)  # the services' per-VM lines, which name hosts and VMs

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        logging.getLogger().removeHandler(self.handler)
        self._app_logger.setLevel(self._previous_level)
        leaks = list(self.handler.leaks) + self.file_leaks()
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if leaks:
            if reporter is not None:
                reporter.ensure_newline()
                reporter.write_sep("=", "credential sweep: test passwords leaked", red=True)
                for leak in leaks[:50]:
                    reporter.write_line(leak)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        elif reporter is not None and reporter.verbosity >= 0:
            reporter.write_line(
                f"credential sweep: {len(self.passwords)} test passwords, no leak in files or logs "
                f"(excluded by design: the lab's NTLM_USER_FILE in {NTLM_USER_DIR_PREFIX}*)"
            )

    # -- the file sweep --------------------------------------------------------------------------------

    def roots(self) -> list[tuple[Path, bool]]:
        """(folder, only files changed during the session)."""
        found: list[tuple[Path, bool]] = []
        if self.basetemp is not None:
            found.append((self.basetemp, False))
        for folder in (
            platformdirs.user_data_dir(APP_NAME, appauthor=False),
            platformdirs.user_config_dir(APP_NAME, appauthor=False),
        ):
            found.append((Path(folder), True))
        return found

    def file_leaks(self) -> list[str]:
        leaks: list[str] = []
        for root, recent_only in self.roots():
            for path in _files(root):
                try:
                    stat = path.stat()
                    if recent_only and stat.st_mtime < self.started - 1:
                        continue
                    if stat.st_size > _MAX_FILE_BYTES:
                        leaks.append(f"{path}: too large to sweep ({stat.st_size} bytes)")
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue  # removed meanwhile (a lab's work dir), or a socket
                leaks.extend(f"{path} holds TEST_PASSWORDS[{index}]" for index in self.hits(data))
        return leaks

    def hits(self, data: bytes) -> list[int]:
        return [
            index
            for index, password in enumerate(self.passwords)
            if password.encode("utf-8") in data or password.encode("utf-16-le") in data
        ]


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for folder, directories, files in os.walk(root):
        # The lab's NTLM account database holds the lab password by design (see the module docstring).
        directories[:] = [name for name in directories if not name.startswith(NTLM_USER_DIR_PREFIX)]
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                yield path
