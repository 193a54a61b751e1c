"""Fault injection as pywinrm sees it, runtime fault changes, isolation of hung hosts, and a thousand hosts."""

from __future__ import annotations

import concurrent.futures
import socket
import time
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from lab_support import session, wait_until
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

from avma_console.lab import http as lab_http
from avma_console.lab.http import FAULTS, HostListener
from avma_console.lab.server_thread import LabServerThread

# What each fault raises out of pywinrm's Session.run_cmd (the same for Basic and for NTLM with encryption).
EXPECTED_ERRORS: dict[str, type[BaseException]] = {
    "refuse": requests.exceptions.ConnectionError,
    "auth": InvalidCredentialsError,
    "http500": WSManFaultError,
    "hang": requests.exceptions.ReadTimeout,
    "truncate": requests.exceptions.ChunkedEncodingError,
    "garble": ET.ParseError,
}


@pytest.fixture
def fault_lab(make_lab: Any) -> LabServerThread:
    hosts = [HostListener(name, fault=name) for name in FAULTS] + [HostListener("HEALTHY")]
    lab: LabServerThread = make_lab(hosts, auth="basic", allow_unencrypted_basic=True)
    return lab


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
@pytest.mark.parametrize("fault", sorted(EXPECTED_ERRORS))
def test_each_fault_as_pywinrm_sees_it(fault_lab: LabServerThread, fault: str, transport: str) -> None:
    client = session(fault_lab.endpoint(fault), transport=transport, read_timeout_sec=2, operation_timeout_sec=1)
    started = time.monotonic()
    with pytest.raises(EXPECTED_ERRORS[fault]) as error:
        client.run_cmd("echo", ["x"])
    assert time.monotonic() - started < 5
    if fault == "http500":
        assert isinstance(error.value, WSManFaultError)
        assert error.value.code == 500
        assert error.value.fault_subcode == "w:InternalError"
    if fault == "refuse":
        assert isinstance(error.value.__context__, Exception)
        assert "refused" in str(error.value).lower()
    assert session(fault_lab.endpoint("HEALTHY"), transport=transport).run_cmd("echo", ["ok"]).std_out == b"ok\r\n"


def test_refused_port_is_not_listening(fault_lab: LabServerThread) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", fault_lab.endpoint("refuse").port), timeout=2).close()


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_flaky_fails_every_third_shell_alternating_500_and_drop(make_lab: Any, transport: str) -> None:
    lab: LabServerThread = make_lab([HostListener("FLAKY", fault="flaky")], auth="basic", allow_unencrypted_basic=True)
    outcomes: list[str] = []
    for _ in range(7):
        try:
            session(lab.endpoints[0], transport=transport).run_cmd("echo", ["x"])
            outcomes.append("ok")
        except WSManFaultError as error:
            outcomes.append(str(error.code))
        except requests.exceptions.ConnectionError:
            outcomes.append("dropped")
    assert outcomes == ["ok", "ok", "500", "ok", "ok", "dropped", "ok"]


def test_faults_change_at_runtime_on_the_same_port(fault_lab: LabServerThread) -> None:
    endpoint = fault_lab.endpoint("HEALTHY")
    assert session(endpoint).run_cmd("echo", ["1"]).std_out == b"1\r\n"
    fault_lab.set_fault("HEALTHY", "refuse")
    with pytest.raises(requests.exceptions.ConnectionError):
        session(endpoint).run_cmd("echo", ["2"])
    fault_lab.set_fault("HEALTHY", "http500")
    with pytest.raises(WSManFaultError):
        session(endpoint).run_cmd("echo", ["3"])
    fault_lab.set_fault("HEALTHY", None)
    assert session(endpoint).run_cmd("echo", ["4"]).std_out == b"4\r\n"
    fault_lab.set_fault("refuse", None)
    assert session(fault_lab.endpoint("refuse")).run_cmd("echo", ["5"]).std_out == b"5\r\n"
    with pytest.raises(ValueError, match="unknown lab fault"):
        fault_lab.set_fault("HEALTHY", "explode")


def test_hung_host_does_not_slow_other_hosts(fault_lab: LabServerThread) -> None:
    hung = session(fault_lab.endpoint("hang"), read_timeout_sec=3, operation_timeout_sec=1)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(hung.run_cmd, "echo", ["never"])
        wait_until(lambda: fault_lab.requests_seen("hang") >= 1, what="the hung host to read the request")
        started = time.monotonic()
        for _ in range(3):
            assert session(fault_lab.endpoint("HEALTHY")).run_cmd("echo", ["x"]).std_out == b"x\r\n"
        elapsed = time.monotonic() - started
        assert not waiting.done()
        with pytest.raises(requests.exceptions.ReadTimeout):
            waiting.result(timeout=15)
    assert elapsed < 1.0


def test_sleeping_command_does_not_block_other_hosts(make_lab: Any) -> None:
    lab: LabServerThread = make_lab(["SLEEPY", "AWAKE"], auth="basic", allow_unencrypted_basic=True)
    sleepy = session(lab.endpoint("SLEEPY"), operation_timeout_sec=5, read_timeout_sec=10)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(sleepy.run_cmd, "powershell.exe", ["Start-Sleep 2; Write-Host woke"])
        wait_until(lambda: lab.requests_seen("SLEEPY") >= 3, what="the Receive to be held")
        started = time.monotonic()
        assert session(lab.endpoint("AWAKE")).run_cmd("echo", ["x"]).std_out == b"x\r\n"
        assert time.monotonic() - started < 1.0
        assert waiting.result(timeout=10).std_out == b"woke\n"


def test_a_thousand_listeners_in_one_process(make_lab: Any) -> None:
    limit = lab_http.raise_open_file_limit()
    if 0 <= limit < 2200:
        pytest.skip(f"the hard RLIMIT_NOFILE ({limit}) is too low for 1000 listeners (2 sockets each)")
    names = [f"HV-{n:04d}" for n in range(1000)]
    started = time.monotonic()
    lab: LabServerThread = make_lab(names, auth="ntlm")
    start_seconds = time.monotonic() - started
    ports = {endpoint.port for endpoint in lab.endpoints}
    assert len(ports) == 1000
    assert all(endpoint.url.startswith("http://127.0.0.1:") for endpoint in lab.endpoints)
    for name in (names[0], names[499], names[999]):
        assert session(lab.endpoint(name)).run_cmd("hostname").std_out == f"{name}\r\n".encode()
    assert start_seconds < 30


@pytest.mark.parametrize("reserve_ports", [True, False])
def test_refuse_at_start_then_serve(make_lab: Any, monkeypatch: pytest.MonkeyPatch, reserve_ports: bool) -> None:
    monkeypatch.setattr(lab_http, "_RESERVE_PORTS", reserve_ports)
    lab: LabServerThread = make_lab([HostListener("DOWN", fault="refuse")], auth="basic", allow_unencrypted_basic=True)
    endpoint = lab.endpoints[0]
    assert endpoint.port > 0
    with pytest.raises(requests.exceptions.ConnectionError):
        session(endpoint).run_cmd("echo", ["x"])
    lab.set_fault("DOWN", None)
    assert session(endpoint).run_cmd("echo", ["up"]).std_out == b"up\r\n"


def test_a_port_in_use_names_the_host(make_lab: Any) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen for lab host BUSY on 127.0.0.1:{port}"):
            make_lab([HostListener("BUSY", port=port)], auth="basic")
