"""The lab enforces WinRM's service limits as Windows does, through real pywinrm: quotas, envelope size, idle
reaping, a restarting service, a connection reset under a held Receive, uneven latency, Negotiate first."""

from __future__ import annotations

import http.client
import statistics
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from lab_support import encoded_ps, session, wait_until
from winrm.exceptions import WSManFaultError
from winrm.protocol import Protocol

from avma_console.lab.fleet import FleetFileError, fleet_from_data
from avma_console.lab.http import HostListener
from avma_console.lab.server_thread import LabServerThread
from avma_console.lab.winrm_limits import WinrmLimits


def _protocol(lab: LabServerThread) -> Protocol:
    return session(lab.endpoints[0]).protocol  # type: ignore[no-any-return]


def _fault_code(caught: pytest.ExceptionInfo[WSManFaultError]) -> int:
    return int(caught.value.wsman_fault_code)  # type: ignore[arg-type]


def test_the_defaults_are_those_of_windows_server_2016_and_later() -> None:
    limits = WinrmLimits()
    assert (limits.max_envelope_size_kb, limits.max_shells_per_user, limits.max_concurrent_operations_per_user) == (
        500,
        30,
        1500,
    )
    assert (limits.max_processes_per_shell, limits.max_memory_per_shell_mb, limits.idle_timeout_ms) == (
        25,
        1024,
        7_200_000,
    )


def test_a_request_larger_than_max_envelope_size_kb_is_refused(make_lab: Any) -> None:
    lab = make_lab([HostListener("HV1", limits=WinrmLimits(max_envelope_size_kb=200))])
    protocol = _protocol(lab)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "more")
    with pytest.raises(WSManFaultError) as caught:
        protocol.send_command_input(shell, command, b"x" * 180_000)  # base64: 240 KB > 200 KB
    assert _fault_code(caught) == 2150858823
    assert "exceeds the maximum envelope size that is allowed (204800)" in (caught.value.reason or "")
    protocol.close_shell(shell)
    assert lab.open_shells("HV1") == 0


def test_the_envelope_limit_fault_refuses_pywinrm_s_own_max_envelope_size(make_lab: Any) -> None:
    lab = make_lab([HostListener("HV1", fault="envelope_limit")])
    with pytest.raises(WSManFaultError) as caught:
        _protocol(lab).open_shell()
    assert _fault_code(caught) == 2150858823
    assert "(153600) is larger than the maximum envelope size that is allowed (32768)" in (caught.value.reason or "")


def test_max_shells_per_user_is_a_quota_fault(make_lab: Any) -> None:
    lab = make_lab([HostListener("HV1", limits=WinrmLimits(max_shells_per_user=2))])
    protocol = _protocol(lab)
    shells = [protocol.open_shell(), protocol.open_shell()]
    with pytest.raises(WSManFaultError) as caught:
        protocol.open_shell()
    assert _fault_code(caught) == 2150859173
    assert caught.value.fault_subcode == "w:QuotaLimit"
    assert "maximum number of concurrent shells for this user has been exceeded" in (caught.value.reason or "")
    protocol.close_shell(shells.pop())
    shells.append(protocol.open_shell())  # a freed shell makes room again
    for shell in shells:
        protocol.close_shell(shell)
    assert lab.peak_shells_per_user("HV1") == 2


@pytest.mark.parametrize(
    ("fault", "code", "text"),
    [
        ("shell_quota", 2150859173, "concurrent shells for this user"),
        ("operation_quota", 2150859174, "concurrent operations for this user"),
    ],
)
def test_quota_faults_refuse_with_windows_codes(make_lab: Any, fault: str, code: int, text: str) -> None:
    lab = make_lab([HostListener("HV1", fault=fault)])
    with pytest.raises(WSManFaultError) as caught:
        _protocol(lab).open_shell()
    assert _fault_code(caught) == code and text in (caught.value.reason or "")
    lab.set_fault("HV1", None)
    assert session(lab.endpoints[0]).run_cmd("echo", ["back"]).std_out == b"back\r\n"


def test_max_processes_per_shell_refuses_the_next_command(make_lab: Any) -> None:
    lab = make_lab([HostListener("HV1", limits=WinrmLimits(max_processes_per_shell=1))])
    protocol = _protocol(lab)
    shell = protocol.open_shell()
    protocol.run_command(shell, "powershell", ["-EncodedCommand", encoded_ps("Start-Sleep 30")])
    with pytest.raises(WSManFaultError) as caught:
        protocol.run_command(shell, "echo", ["second"])
    assert _fault_code(caught) == 1816
    assert "Not enough quota is available to process this command." in (caught.value.reason or "")
    protocol.close_shell(shell)


def test_a_script_over_max_memory_per_shell_dies_out_of_memory(make_lab: Any) -> None:
    lab = make_lab([HostListener("HV1", limits=WinrmLimits(max_memory_per_shell_mb=64, script_memory_mb=90))])
    result = session(lab.endpoints[0]).run_ps("'hello'")
    assert result.status_code == 1
    assert b"System.OutOfMemoryException" in result.std_err
    assert lab.open_shells("HV1") == 0


def test_an_idle_reaped_shell_faults_the_next_receive(make_lab: Any) -> None:
    lab = make_lab([HostListener("HV1", fault="idle_reap")])
    protocol = _protocol(lab)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "echo", ["x"])
    with pytest.raises(WSManFaultError) as caught:
        protocol.get_command_output_raw(shell, command)
    assert _fault_code(caught) == 2150858843 and caught.value.fault_subcode == "w:InvalidSelectors"
    assert lab.open_shells("HV1") == 0


def test_a_restarting_service_answers_503_then_forgets_its_shells(make_lab: Any) -> None:
    lab = make_lab([HostListener("HV1", restart_s=0.4)])
    protocol = _protocol(lab)
    protocol.open_shell()
    assert lab.open_shells("HV1") == 1
    lab.set_fault("HV1", "service_restart")
    assert lab.open_shells("HV1") == 0
    answer = requests.post(lab.endpoints[0].url, data=b"", timeout=5)
    assert answer.status_code == 503 and b"HTTP Error 503. The service is unavailable." in answer.content
    assert answer.headers["Server"] == "Microsoft-HTTPAPI/2.0"

    def answers_again() -> bool:
        return requests.post(lab.endpoints[0].url, data=b"", timeout=5).status_code == 401

    wait_until(answers_again, what="the restarted WinRM service")
    assert session(lab.endpoints[0]).run_cmd("echo", ["up"]).std_out == b"up\r\n"


def test_a_held_receive_is_cut_by_a_connection_reset(make_lab: Any) -> None:
    lab = make_lab([HostListener("HV1", fault="receive_reset")])
    protocol = _protocol(lab)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "echo", ["x"])
    with pytest.raises(requests.exceptions.ConnectionError):
        protocol.get_command_output_raw(shell, command)


def test_jitter_spreads_latency_into_a_long_tail(make_lab: Any) -> None:
    lab = make_lab([HostListener("HV1", fault="jitter", latency_ms=10)])
    times = []
    with requests.Session() as client:
        for _ in range(40):
            started = time.monotonic()
            client.post(lab.endpoints[0].url, data=b"", timeout=10)
            times.append(time.monotonic() - started)
    ordered = sorted(times)
    median = statistics.median(times)
    assert ordered[-4] > 2 * median and ordered[3] < 0.6 * median, ordered  # a distribution, not one number


def test_negotiate_is_offered_first_as_windows_does(make_lab: Any) -> None:
    lab = make_lab(["HV1"], auth="basic", allow_unencrypted_basic=True)
    url = urlsplit(lab.endpoints[0].url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    connection.request("POST", "/wsman", body=b"", headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
    reply = connection.getresponse()
    offered = [value for name, value in reply.getheaders() if name.lower() == "www-authenticate"]
    connection.close()
    assert reply.status == 401 and offered[0] == "Negotiate" and 'Basic realm="WSMAN"' in offered


def _fleet_with(host_extra: dict[str, object]) -> dict[str, object]:
    host = {"name": "HV1", "version": "2022", "edition": "Datacenter", "vms": [], **host_extra}
    return {"credentials": {"username": "LAB\\operator", "password": "x"}, "hosts": [host]}


def test_fleet_files_set_limits_by_their_windows_names() -> None:
    fleet = fleet_from_data(_fleet_with({"winrm": {"MaxShellsPerUser": 5, "IdleTimeout": 60000}}))
    assert fleet.hosts[0].winrm == WinrmLimits(max_shells_per_user=5, idle_timeout_ms=60000)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"winrm": {"MaxShells": 5}}, "host 'HV1': winrm: unknown WinRM setting \"MaxShells\"; use MaxEnvelopeSizekb"),
        ({"winrm": {"MaxEnvelopeSizekb": 16}}, '"MaxEnvelopeSizekb" must be a whole number from 32 to'),
        ({"winrm": {"IdleTimeout": "2h"}}, '"IdleTimeout" must be a whole number from 1000 to 2147483647'),
        ({"winrm": [1]}, "winrm: expected an object, found list"),
        ({"fault": "quota"}, '"fault" must be one of refuse, auth'),
        ({"locale": "fr-FR"}, '"locale" must be one of en-US, de-DE'),
    ],
)
def test_bad_limits_in_a_fleet_file_name_the_setting_and_the_fix(extra: dict[str, object], message: str) -> None:
    with pytest.raises(FleetFileError) as caught:
        fleet_from_data(_fleet_with(extra), source="fleet.json")
    assert message in str(caught.value) and str(caught.value).startswith("fleet.json: ")
