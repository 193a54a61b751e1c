"""`avma-console report` and `scan --record` as schedulers call them: outputs, exit codes, error messages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from history_support import HOSTILE, two_scans

from avma_console.cli import main
from avma_console.store import HistoryStore


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite3"
    first, second = two_scans()
    with HistoryStore.open(path) as store:
        store.record_snapshot(first)
        store.record_snapshot(second)
    return path


def test_report_csv_to_a_file(recorded: Path, tmp_path: Path) -> None:
    target = tmp_path / "inventory.csv"
    code = main(
        ["report", "--history", str(recorded), "--kind", "inventory", "--format", "csv", "--output", str(target)]
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert HOSTILE in {row["vm"] for row in rows}


def test_report_html_to_stdout(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "--history", str(recorded), "--kind", "changes", "--format", "html", "--from", "2026-10"])
    assert code == 0
    page = capsys.readouterr().out
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "from 2026-10-01 00:00:00" in page


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--kind", "inventory", "--from", "31.10.2026"], ["--from", "'31.10.2026'", "2026-11-01"]),
        (["--kind", "inventory", "--to", "yesterday"], ["--to", "'yesterday'"]),
        (["--kind", "volumes"], ["--kind", "'volumes'", "inventory"]),
        (["--kind", "inventory", "--format", "docx"], ["--format", "'docx'"]),
    ],
)
def test_bad_arguments_exit_2_naming_the_input(
    recorded: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], words: list[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["report", "--history", str(recorded), *arguments])
    assert caught.value.code == 2
    errors = capsys.readouterr().err
    assert all(word in errors for word in words), errors


@pytest.mark.parametrize(
    ("arguments", "code", "words"),
    [
        (["--kind", "changes", "--from", "2026-11-02", "--to", "2026-11-01"], 2, ["is not before --to", "swap"]),
        (["--kind", "inventory", "--format", "pdf"], 2, ["--format pdf needs --output"]),
        (["--kind", "compliance", "--from", "2030-01"], 1, ["no recorded scans in the period", "scan --record"]),
    ],
)
def test_unusable_requests_say_why(
    recorded: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], code: int, words: list[str]
) -> None:
    assert main(["report", "--history", str(recorded), *arguments]) == code
    errors = capsys.readouterr().err
    assert all(word in errors for word in words), errors


def test_a_missing_history_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "typo.sqlite3"
    assert main(["report", "--history", str(missing), "--kind", "inventory"]) == 2
    errors = capsys.readouterr().err
    assert str(missing) in errors and "scan --record" in errors
    assert not missing.exists()


def test_an_unreachable_database_fails_with_its_url_but_not_its_password(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://report:hunter2@127.0.0.1:1/avma"
    assert main(["report", "--history", url, "--kind", "inventory"]) == 1
    errors = capsys.readouterr().err
    assert "127.0.0.1:1/avma" in errors
    assert "hunter2" not in errors


def test_a_newer_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from test_migrations import V2

    path = tmp_path / "future.sqlite3"
    HistoryStore.open(path, migrations=V2).close()
    assert main(["report", "--history", str(path), "--kind", "inventory"]) == 2
    assert "newer" in capsys.readouterr().err


def test_scan_history_without_record_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--demo", "--history", str(tmp_path / "h.sqlite3")]) == 2
    assert "add --record" in capsys.readouterr().err


def test_scan_record_refuses_a_bad_history_before_scanning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = tmp_path / "never-read.toml"
    assert main(["scan", "--inventory", str(inventory), "--record", "--history", "mysql://x@y/z"]) == 2
    errors = capsys.readouterr().err
    assert "unsupported history database" in errors
