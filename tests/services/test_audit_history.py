"""Write actions land in the history's audit table too, where the changes report and the VM timeline read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from avma_console.services.audit import AuditEntry, HistoryAuditLog, JsonLinesAuditLog, TeeAuditLog
from avma_console.store import HistoryStore

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def entry(minute: int, vm: str, result: str = "succeeded") -> AuditEntry:
    return AuditEntry(
        at=T0 + timedelta(minutes=minute),
        who="LAB\\operator",
        action="push_key",
        result=result,
        target_host="HV-FRA-01",
        target_vm=vm,
        vm_id="12371825-D40A-5EE4-8056-DE47BDEAB8BC",
        key_last5="9HPQ4",
        details={"path": "PowerShell Direct"},
    )


def test_every_entry_reaches_the_file_and_the_history(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    try:
        file_log = JsonLinesAuditLog(tmp_path / "audit.jsonl")
        log = TeeAuditLog(file_log, HistoryAuditLog(store))
        for minute, vm in enumerate(["web-01", "web-02", "<b>bold</b>"]):
            log.record(entry(minute, vm, "failed" if vm == "web-02" else "succeeded"))

        assert [e.target_vm for e in file_log.entries()] == ["web-01", "web-02", "<b>bold</b>"]
        stored = store.audit_entries()
        assert [(row.target_vm, row.result, row.key_last5) for row in stored] == [
            ("web-01", "succeeded", "9HPQ4"),
            ("web-02", "failed", "9HPQ4"),
            ("<b>bold</b>", "succeeded", "9HPQ4"),
        ]
        assert HistoryAuditLog(store).entries(limit=2) == file_log.entries(limit=2), "newest two, oldest first"
        assert HistoryAuditLog(store).entries(since=T0 + timedelta(minutes=1))[0].target_vm == "web-02"
    finally:
        store.close()
