"""The lab through real, unmodified pywinrm: transports, authentication, code pages, limits and streaming."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests
import winrm
from lab_support import PASSWORD, USERNAME, ScriptedPowerShell, session, wait_until
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError, WSManFaultError

from avma_console.lab.http import HostListener
from avma_console.lab.server_thread import LabServerThread
from avma_console.lab.shell import CommandRequest, CommandResult


def test_run_cmd_and_run_ps_over_http_basic(basic_lab: LabServerThread) -> None:
    client = session(basic_lab.endpoint("HV1"))
    result = client.run_cmd("echo", ["hello", "lab"])
    assert (result.std_out, result.std_err, result.status_code) == (b"hello lab\r\n", b"", 0)
    result = client.run_ps("Write-Output 'one'; Write-Host two")
    assert (result.std_out, result.status_code) == (b"one\r\ntwo\n", 0)
    assert basic_lab.open_shells("HV1") == 0  # pywinrm deletes its shell; the lab forgets it


def test_run_ps_error_is_clixml_that_pywinrm_cleans(basic_lab: LabServerThread) -> None:
    result = session(basic_lab.endpoint("HV1")).run_ps("Get-Nothing -Now")
    assert result.status_code == 1
    assert result.std_err.startswith(b"Get-Nothing : The term 'Get-Nothing' is not recognized as the name of a")
    assert b"CommandNotFoundException" in result.std_err


def test_cmd_exit_code_and_stderr(basic_lab: LabServerThread) -> None:
    result = session(basic_lab.endpoint("HV2")).run_cmd("echo out && echo err>&2 && exit 7")
    assert (result.std_out, result.std_err, result.status_code) == (b"out \r\n", b"err \r\n", 7)


def test_https_basic_verifies_the_lab_ca(make_lab: Any) -> None:
    lab: LabServerThread = make_lab(["HV1"], auth="basic", tls=True)
    endpoint = lab.endpoints[0]
    assert endpoint.url.startswith("https://127.0.0.1:")
    assert lab.ca_file is not None
    assert lab.ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    client = session(endpoint, ca_trust_path=str(lab.ca_file))
    assert client.run_cmd("echo", ["tls"]).std_out == b"tls\r\n"


def test_https_without_the_lab_ca_is_an_ssl_error(make_lab: Any) -> None:
    lab: LabServerThread = make_lab(["HV1"], auth="basic", tls=True)
    client = session(lab.endpoints[0], ca_trust_path=None)
    with pytest.raises(requests.exceptions.SSLError):
        client.run_cmd("echo", ["tls"])


@pytest.mark.parametrize("encryption", ["always", "auto"])
def test_http_ntlm_with_message_encryption(make_lab: Any, encryption: str) -> None:
    lab: LabServerThread = make_lab(["HV1"], auth="ntlm")
    client = session(lab.endpoints[0], message_encryption=encryption)
    result = client.run_ps("Write-Host sealed")
    assert (result.std_out, result.status_code) == (b"sealed\n", 0)
    assert client.protocol.transport.encryption is not None


def test_https_ntlm_with_channel_binding(make_lab: Any) -> None:
    lab: LabServerThread = make_lab(["HV1"], auth="ntlm", tls=True)
    assert lab.ca_file is not None
    for encryption in ("auto", "always"):
        client = session(lab.endpoints[0], ca_trust_path=str(lab.ca_file), message_encryption=encryption)
        assert client.run_cmd("echo", [encryption]).std_out == f"{encryption}\r\n".encode()


def test_unsealed_ntlm_on_plain_http_is_refused(make_lab: Any) -> None:
    lab: LabServerThread = make_lab(["HV1"], auth="ntlm")
    client = session(lab.endpoints[0], message_encryption="never")
    with pytest.raises(WinRMTransportError) as error:
        client.run_cmd("echo", ["plain"])
    assert error.value.code == 500


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_wrong_password_is_invalid_credentials(basic_lab: LabServerThread, transport: str) -> None:
    client = session(basic_lab.endpoint("HV1"), password=PASSWORD + "x", transport=transport)
    with pytest.raises(InvalidCredentialsError):
        client.run_cmd("echo", ["no"])


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
@pytest.mark.parametrize("username", ["operator", "LAB\\Operator", ".\\operator", "hv1\\OPERATOR"])
def test_user_name_forms_windows_accepts(basic_lab: LabServerThread, transport: str, username: str) -> None:
    client = session(basic_lab.endpoint("HV1"), username=username, transport=transport)
    assert client.run_cmd("echo", ["ok"]).std_out == b"ok\r\n"


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
@pytest.mark.parametrize("username", ["OTHER\\operator", "HV2\\operator", "operator2", "lab\\admin"])
def test_user_name_forms_windows_rejects(basic_lab: LabServerThread, transport: str, username: str) -> None:
    client = session(basic_lab.endpoint("HV1"), username=username, transport=transport)
    with pytest.raises(InvalidCredentialsError):
        client.run_cmd("echo", ["no"])


def test_basic_on_plain_http_is_refused_without_the_allow_flag(make_lab: Any) -> None:
    lab: LabServerThread = make_lab(["HV1"], auth="basic")
    response = requests.post(lab.endpoints[0].url, data=b"<x/>", auth=(USERNAME, PASSWORD), timeout=5)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Negotiate"
    with pytest.raises(InvalidCredentialsError):
        session(lab.endpoints[0]).run_cmd("echo", ["no"])


def test_401_offers_negotiate_and_basic_like_windows(basic_lab: LabServerThread) -> None:
    response = requests.post(basic_lab.endpoint("HV1").url, data=b"", timeout=5)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Negotiate, Basic realm="WSMAN"'
    assert response.headers["Server"] == "Microsoft-HTTPAPI/2.0"
    other = requests.post(basic_lab.endpoint("HV1").url.replace("/wsman", "/other"), timeout=5)
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("codepage", "expected"),
    [(437, "????? Grüße\n".encode("cp437")), (65001, "こんにちは Grüße\n".encode())],
)
def test_codepage_of_the_shell(basic_lab: LabServerThread, codepage: int, expected: bytes) -> None:
    protocol = session(basic_lab.endpoint("HV1")).protocol
    shell = protocol.open_shell(codepage=codepage)
    command = protocol.run_command(shell, "powershell.exe", ["Write-Host", "こんにちは", "Grüße"])
    out, err, code = protocol.get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    assert (out, err, code) == (expected, b"", 0)


def test_environment_working_directory_and_noprofile(basic_lab: LabServerThread) -> None:
    protocol = session(basic_lab.endpoint("HV1")).protocol
    shell = protocol.open_shell(env_vars={"AVMA": "yes"}, working_directory="D:\\work", noprofile=True)
    command = protocol.run_command(shell, "set AVMA && cd && set USERPROFILE")
    out, _err, code = protocol.get_command_output(shell, command)
    protocol.close_shell(shell)
    assert code == 0
    assert out.decode("cp437").splitlines() == ["AVMA=yes", "D:\\work", "USERPROFILE=C:\\Users\\Default"]


def test_command_line_limit_of_cmd_exe(basic_lab: LabServerThread) -> None:
    client = session(basic_lab.endpoint("HV1"))
    long_script = "Write-Host " + "x" * 5000
    result = client.run_ps(long_script)
    assert (result.std_out, result.std_err, result.status_code) == (b"", b"The command line is too long.\r\n", 1)
    fits = client.run_ps("Write-Host " + "y" * 3000)
    assert (fits.std_out, fits.status_code) == (b"y" * 3000 + b"\n", 0)
    # 8191 characters is the longest line cmd.exe accepts ("echo " + 8186).
    assert client.run_cmd("echo " + "z" * 8186).std_out == b"z" * 8186 + b"\r\n"
    assert client.run_cmd("echo " + "z" * 8187).std_err == b"The command line is too long.\r\n"
    # Without cmd.exe (WINRS_SKIP_CMD_SHELL) there is no such limit.
    protocol = client.protocol
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "powershell.exe", [long_script], skip_cmd_shell=True)
    out, _err, code = protocol.get_command_output(shell, command)
    protocol.close_shell(shell)
    assert (out, code) == (b"x" * 5000 + b"\n", 0)


def test_stdin_through_send(basic_lab: LabServerThread) -> None:
    protocol = session(basic_lab.endpoint("HV1")).protocol
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "powershell.exe", ["-"])
    protocol.send_command_input(shell, command, 'Write-Host "first"\r\n')
    out, err, code, done = protocol.get_command_output_raw(shell, command)
    assert (out, err, done) == (b"first\n", b"", False)
    protocol.send_command_input(shell, command, 'Write-Host "second"; exit 4', end=True)
    out, err, code = protocol.get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    assert (out, err, code) == (b"second\n", b"", 4)


def _big_output(request: CommandRequest) -> CommandResult:
    return CommandResult(stdout="".join(f"line {n:06d} {'#' * 40}\r\n" for n in range(12000)), stderr="E" * 70000)


def test_output_larger_than_max_envelope_arrives_whole(make_lab: Any) -> None:
    lab: LabServerThread = make_lab(
        ["HV1"], auth="basic", allow_unencrypted_basic=True, powershell=ScriptedPowerShell({"big": _big_output})
    )
    client = session(lab.endpoints[0])
    sizes: list[int] = []
    send = client.protocol.send_message

    def measured(message: str) -> bytes:
        answer: bytes = send(message)
        sizes.append(len(answer))
        return answer

    client.protocol.send_message = measured
    result = client.run_ps("big")
    expected = _big_output(CommandRequest("HV1", "", ()))
    assert result.std_out == expected.stdout.encode()
    assert result.status_code == 0
    receives = len(sizes) - 4  # Create, Command, Signal, Delete
    assert receives >= 5
    assert max(sizes) <= winrm.Protocol.DEFAULT_MAX_ENV_SIZE


def test_operation_timeout_fault_then_completion(basic_lab: LabServerThread) -> None:
    protocol = session(basic_lab.endpoint("HV2"), operation_timeout_sec=1, read_timeout_sec=5).protocol
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "powershell.exe", ["Write-Host a; Start-Sleep 2; Write-Host b"])
    out, _err, _code, done = protocol.get_command_output_raw(shell, command)
    assert (out, done) == (b"a\n", False)
    started = time.monotonic()
    with pytest.raises(winrm.exceptions.WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    assert 0.8 < time.monotonic() - started < 3.0
    out, _err, code = protocol.get_command_output(shell, command)  # pywinrm re-issues Receive after timeouts
    protocol.close_shell(shell)
    assert (out, code) == (b"b\n", 0)


def test_unknown_shell_and_command_faults(basic_lab: LabServerThread) -> None:
    protocol = session(basic_lab.endpoint("HV1")).protocol
    with pytest.raises(WSManFaultError) as error:
        protocol.run_command("8F2F9A6C-1111-2222-3333-444455556666", "echo", ["x"])
    assert error.value.wsman_fault_code == 2150858843
    assert "shell was not found" in error.value.response
    shell = protocol.open_shell()
    with pytest.raises(WSManFaultError) as error:
        protocol.get_command_output_raw(shell, "8F2F9A6C-1111-2222-3333-444455556666")
    assert error.value.wsman_fault_code == 2150858843
    assert error.value.fault_subcode == "w:InvalidSelectors"
    protocol.close_shell(shell)


def test_shell_quota_per_user(basic_lab: LabServerThread) -> None:
    protocol = session(basic_lab.endpoint("HV2")).protocol
    shells = [protocol.open_shell() for _ in range(30)]
    with pytest.raises(WSManFaultError) as error:
        protocol.open_shell()
    assert error.value.wsman_fault_code == 2150859173
    for shell in shells:
        protocol.close_shell(shell, close_session=False)
    protocol.close_shell(protocol.open_shell())


def test_latency_is_added_to_every_response(make_lab: Any) -> None:
    lab: LabServerThread = make_lab(
        [HostListener("SLOW", latency_ms=150), "FAST"], auth="basic", allow_unencrypted_basic=True
    )
    started = time.monotonic()
    session(lab.endpoint("SLOW")).run_cmd("echo", ["x"])
    assert time.monotonic() - started >= 5 * 0.15  # five requests
    lab.set_latency("SLOW", 0)
    started = time.monotonic()
    session(lab.endpoint("SLOW")).run_cmd("echo", ["x"])
    assert time.monotonic() - started < 0.5


def test_malformed_envelopes_get_soap_faults(basic_lab: LabServerThread) -> None:
    url = basic_lab.endpoint("HV1").url
    headers = {"Content-Type": "application/soap+xml;charset=UTF-8"}
    for body in (b"not xml at all", b"<a/>", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>'):
        response = requests.post(url, data=body, headers=headers, auth=(USERNAME, PASSWORD), timeout=5)
        assert response.status_code == 500
        assert b"<s:Fault>" in response.content
        assert b"boom" not in response.content
        assert b"w:SchemaValidationError" in response.content


def test_requests_from_two_threads_share_the_loop(basic_lab: LabServerThread) -> None:
    import concurrent.futures

    def run(n: int) -> bytes:
        out: bytes = session(basic_lab.endpoint(f"HV{n % 2 + 1}")).run_cmd("echo", [str(n)]).std_out
        return out

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, range(16)))
    assert results == [f"{n}\r\n".encode() for n in range(16)]
    wait_until(lambda: basic_lab.open_shells("HV1") == 0, what="shells to be deleted")


def test_ntlm_accounts_file_is_private_and_temporary(make_lab: Any, tmp_path: Any) -> None:
    import os
    import stat

    before = os.environ.get("NTLM_USER_FILE")
    lab: LabServerThread = make_lab(["HV1"], auth="ntlm", tls=True, work_dir=tmp_path / "work")
    path = os.environ["NTLM_USER_FILE"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert "operator" in Path(path).read_text(encoding="utf-8")
    assert lab.ca_file is not None
    assert lab.ca_file.parent == tmp_path / "work"
    with pytest.raises(ValueError, match="different password"):
        make_lab(["HV9"], auth="ntlm", password="another")
    lab.stop()
    assert os.environ.get("NTLM_USER_FILE") == before
    assert not os.path.exists(path)
    assert (tmp_path / "work").is_dir()  # a work_dir the caller gave is the caller's
