"""The `avma-console` command as scripts and schedulers use it: output formats and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from avma_console.cli import main

AVMA_KEY_2022_DC = "W3GNR-8DDXR-2TFRP-H8P33-DV9BG"


def run_cli(*arguments: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AVMA_LAB")}
    return subprocess.run(
        [sys.executable, "-m", "avma_console", *arguments],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        env=environment,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_json() -> tuple[int, dict[str, object]]:
    result = run_cli("scan", "--demo", "--format", "json")
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def test_scan_demo_json_follows_the_contract(demo_json: tuple[int, dict[str, object]]) -> None:
    code, document = demo_json
    assert code == 1, "one demo host refuses connections: exit 1, results still printed"
    hosts = document["hosts"]
    assert isinstance(hosts, list)
    assert {"scanned_at", "clusters", "hosts"} <= set(document)
    first = next(host for host in hosts if host["name"] == "HV-FRA-01")
    assert {
        "name",
        "cluster",
        "version",
        "edition",
        "build",
        "activated",
        "hyperv",
        "avma_capable",
        "error",
        "findings",
        "vms",
    } <= set(first)
    assert (first["version"], first["edition"], first["build"], first["cluster"]) == (
        "2022",
        "Datacenter",
        20348,
        "CL-FRA",
    )
    vm = next(vm for vm in first["vms"] if vm["name"] == "app-2025")
    assert {
        "name",
        "id",
        "guest_version",
        "guest_edition",
        "running",
        "kvp_enabled",
        "state",
        "source",
        "findings",
    } <= set(vm)
    assert vm["state"] == "activation_denied"
    assert {"code": "guest_newer_than_host", "severity": "error"}.items() <= vm["findings"][0].items()
    assert document["clusters"] == [
        {
            "name": "CL-FRA",
            "nodes": ["HV-FRA-01", "HV-FRA-02", "HV-FRA-03"],
            "findings": document["clusters"][0]["findings"],
        }  # type: ignore[index]
    ]
    muller = [vm for host in hosts for vm in host["vms"] if vm["name"] == "Buchhaltung-Müller"]
    assert muller and muller[0]["state"] == "avma_activated"


def test_scan_demo_table_puts_problems_first_and_csv_is_spreadsheet_safe(tmp_path: Path) -> None:
    table = run_cli("scan", "--demo")
    assert table.returncode == 1
    lines = table.stdout.splitlines()
    assert lines[0].startswith("Scanned 6 hosts, 19 VMs")
    assert "HV-BER-09" in table.stdout and "refused the connection" in table.stdout
    states = [line.split()[1] for line in lines if line.startswith("[")]
    assert states[0] == "activation_denied" and states[-1] == "avma_activated"

    output = tmp_path / "fleet.csv"
    result = run_cli("scan", "--demo", "--format", "csv", "--output", str(output))
    assert result.returncode == 1
    assert result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 20  # 19 VMs and one row for the host that could not be queried
    assert {row["vm"] for row in rows} >= {"Buchhaltung-Müller", "app-2025"}


def test_reference_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["2019"] == ["2019", "2016", "2012R2"]
    assert main(["keys", "--format", "json"]) == 0
    keys = json.loads(capsys.readouterr().out)
    assert {"version": "2022", "edition": "Datacenter", "key": AVMA_KEY_2022_DC} in keys
    assert main(["keys", "check", AVMA_KEY_2022_DC.lower().replace("-", "")]) == 0
    assert "AVMA key for Windows Server 2022 Datacenter" in capsys.readouterr().out
    assert main(["keys", "check", AVMA_KEY_2022_DC, AVMA_KEY_2022_DC[:-1] + "C"]) == 2
    assert "checksum" in capsys.readouterr().out


def test_bad_inventory_is_exit_2_naming_the_file_and_the_problem(tmp_path: Path) -> None:
    inventory = tmp_path / "corp.toml"
    inventory.write_text('[defaults]\nscheme = "htps"\n[[hosts]]\nname = "hv1"\n', encoding="utf-8")
    result = run_cli("scan", "--inventory", str(inventory))
    assert result.returncode == 2
    assert "corp.toml" in result.stderr and "htps" in result.stderr
    missing = run_cli("scan", "--inventory", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_bad_usage_is_exit_2() -> None:
    assert run_cli("scan").returncode == 2
    assert run_cli("scan", "--demo", "--concurrency", "0").returncode == 2
    assert run_cli("lab", "--hosts", "2", "--fleet", "x.json").returncode == 2


def test_lab_command_serves_a_generated_fleet_and_writes_an_inventory(tmp_path: Path) -> None:
    inventory = tmp_path / "lab.toml"
    environment = {**os.environ, "AVMA_LAB_PASSWORD": "cli-lab-secret", "AVMA_LAB_STOP_ON_EOF": "1"}
    command = [sys.executable, "-m", "avma_console", "lab", "--hosts", "3", "--vms-per-host", "4"]
    with subprocess.Popen(
        [*command, "--write-inventory", str(inventory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    ) as process:
        assert process.stdout is not None
        lines = [json.loads(process.stdout.readline()) for _ in range(4)]
        assert [set(line) for line in lines[:3]] == [{"host", "url", "auth", "tls"}] * 3
        assert all(line["url"].startswith("http://127.0.0.1:") and line["auth"] == "ntlm" for line in lines[:3])
        assert lines[3]["ready"] is True
        text = inventory.read_text(encoding="utf-8")
        assert 'credential = "env:AVMA_LAB_PASSWORD"' in text
        assert "cli-lab-secret" not in text
        scan = subprocess.run(
            [sys.executable, "-m", "avma_console", "scan", "--inventory", str(inventory), "--format", "json"],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )
        assert scan.returncode == 0, scan.stderr
        assert len(json.loads(scan.stdout)["hosts"]) == 3
        assert process.stdin is not None
        process.stdin.close()  # the lab serves until its parent goes away
        assert process.wait(timeout=30) == 0
