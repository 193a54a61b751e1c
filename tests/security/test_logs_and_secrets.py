"""Log lines cannot be forged by host text, and the credential sweep finds what it must (tests/secret_sweep.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fleet_support import GUEST_PASSWORD, LAB_PASSWORD, TEST_PASSWORDS
from secret_sweep import NTLM_USER_DIR_PREFIX, SecretSweep

from avma_console.services.logs import EscapingFormatter, escape_control, service_logger

FORGED = "web-01\r\n2026-11-20 12:00:00 INFO avma_console: push_key HV1/dc-01: ok\x1b[2J\u2028x"


def test_escape_control_keeps_one_line_and_shows_the_characters() -> None:
    escaped = escape_control(FORGED)
    assert "\r" not in escaped and "\n" not in escaped and "\x1b" not in escaped and "\u2028" not in escaped
    assert "\\r\\n" in escaped and "\\x1b[2J" in escaped and "\\u2028" in escaped
    assert escape_control("Ünïcødé web-01") == "Ünïcødé web-01"


def test_service_logger_escapes_host_text_in_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = service_logger("avma_console.services.test_logs")
    with caplog.at_level(logging.INFO, logger="avma_console.services.test_logs"):
        logger.info("push_key %s/%s: %s", "HV1", FORGED, "ok")
    [record] = caplog.records
    assert "\n" not in record.getMessage() and "\x1b" not in record.getMessage()
    assert "\n" not in caplog.text.rstrip("\n")


def test_the_services_that_log_vm_names_use_the_escaping_logger() -> None:
    from avma_console.services.operations import runner

    for module in (runner,):
        assert any(type(f).__name__ == "ControlCharacterFilter" for f in module._log.filters)


def test_escaping_formatter_for_handlers() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "vm %s", (FORGED,), None)
    line = EscapingFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line and line.startswith("INFO vm web-01\\r\\n")


def test_the_sweep_finds_a_password_in_any_written_file_and_skips_the_ntlm_user_file(tmp_path: Path) -> None:
    sweep = SecretSweep(TEST_PASSWORDS)
    sweep.basetemp = tmp_path
    (tmp_path / "clean.txt").write_text("nothing to see")
    ntlm = tmp_path / f"{NTLM_USER_DIR_PREFIX}x"
    ntlm.mkdir()
    (ntlm / "ntlm-users").write_text(f"LAB:operator:{LAB_PASSWORD}\n")
    assert sweep.file_leaks() == []
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "audit.jsonl").write_bytes(GUEST_PASSWORD.encode("utf-16-le"))
    leaks = sweep.file_leaks()
    assert len(leaks) == 1 and "audit.jsonl" in leaks[0] and GUEST_PASSWORD not in leaks[0]
    # The test's own file would fail the session: remove it again.
    (tmp_path / "deep" / "audit.jsonl").unlink()


def test_the_sweep_watches_log_records() -> None:
    sweep = SecretSweep(TEST_PASSWORDS)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "logged %s", ("the lab password",), None)
    sweep.handler.emit(record)
    assert sweep.handler.leaks == []
    sweep.handler.emit(logging.LogRecord("x", logging.INFO, __file__, 1, "oops %s", (LAB_PASSWORD,), None))
    assert len(sweep.handler.leaks) == 1 and LAB_PASSWORD not in sweep.handler.leaks[0]


def test_every_listed_password_is_a_literal_the_tests_use() -> None:
    sources = "".join(path.read_text(encoding="utf-8") for path in Path(__file__).parents[1].rglob("*.py"))
    sources += (Path(__file__).parents[2] / "resources" / "demo" / "fleet.json").read_text(encoding="utf-8")
    for password in TEST_PASSWORDS:
        assert sources.count(password) >= 1
