"""WsmanService on its own: envelopes in, envelopes out, on a private event loop."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import Coroutine
from typing import Any

from defusedxml.ElementTree import fromstring

from avma_console.lab.shell import CommandRequest, CommandResult
from avma_console.lab.winrm_limits import WinrmLimits
from avma_console.lab.wsman import RequestContext, WsmanReply, WsmanService

CONTEXT = RequestContext(
    user_name="lab\\operator", client_ip="127.0.0.1", machine="127.0.0.1", listener_url="http://127.0.0.1:1/wsman"
)
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
RSP = "{" + SHELL + "}"
CMD_URI = SHELL + "/cmd"


def envelope(
    action: str,
    body: str,
    *,
    shell_id: str | None = None,
    timeout: str = "PT20S",
    max_envelope: int = 153600,
    options: str = "",
    resource_uri: str = CMD_URI,
) -> bytes:
    selector = f'<w:SelectorSet><w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>' if shell_id else ""
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
        f'xmlns:rsp="{SHELL}"><s:Header><a:Action>{action}</a:Action>'
        f"<a:MessageID>uuid:{uuid.uuid4()}</a:MessageID><w:MaxEnvelopeSize>{max_envelope}</w:MaxEnvelopeSize>"
        f"<w:OperationTimeout>{timeout}</w:OperationTimeout><w:ResourceURI>{resource_uri}</w:ResourceURI>"
        f"{selector}{options}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def shell_action(name: str) -> str:
    return f"{SHELL}/{name}"


CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"


class Executor:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.requests: list[CommandRequest] = []

    def run(self, request: CommandRequest) -> CommandResult | None:
        self.requests.append(request)
        result: CommandResult | None = self.answer(request) if callable(self.answer) else self.answer
        return result


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 20))


async def open_command(service: WsmanService, command: str = "x") -> tuple[str, str]:
    created = await service.handle(
        envelope(CREATE, "<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams></rsp:Shell>"), CONTEXT
    )
    shell_id = fromstring(created.body).find(f".//{RSP}ShellId").text
    reply = await service.handle(
        envelope(
            shell_action("Command"),
            f"<rsp:CommandLine><rsp:Command>{command}</rsp:Command></rsp:CommandLine>",
            shell_id=shell_id,
        ),
        CONTEXT,
    )
    command_id = fromstring(reply.body).find(f".//{RSP}CommandId").text
    return shell_id, command_id


def receive(shell_id: str, command_id: str, **options: Any) -> bytes:
    body = f'<rsp:Receive><rsp:DesiredStream CommandId="{command_id}">stdout stderr</rsp:DesiredStream></rsp:Receive>'
    return envelope(shell_action("Receive"), body, shell_id=shell_id, **options)


def streams(reply: WsmanReply) -> tuple[bytes, bytes, str | None]:
    root = fromstring(reply.body)
    out = b"".join(base64.b64decode(s.text or "") for s in root.iter(f"{RSP}Stream") if s.get("Name") == "stdout")
    err = b"".join(base64.b64decode(s.text or "") for s in root.iter(f"{RSP}Stream") if s.get("Name") == "stderr")
    state = root.find(f".//{RSP}CommandState")
    return out, err, None if state is None else state.get("State", "").rsplit("/", 1)[-1]


def fault_code(reply: WsmanReply) -> str | None:
    node = fromstring(reply.body).find(".//{http://schemas.microsoft.com/wbem/wsman/1/wsmanfault}WSManFault")
    return None if node is None else node.get("Code")


def test_output_is_split_to_fit_max_envelope_size() -> None:
    output = "".join(chr(0x41 + n % 26) for n in range(50000))
    service = WsmanService("H", Executor(CommandResult(stdout=output, stderr="e" * 9000, exit_code=2)))

    async def scenario() -> tuple[bytes, bytes, list[int], int]:
        shell_id, command_id = await open_command(service)
        out = err = b""
        sizes: list[int] = []
        for _ in range(100):
            reply = await service.handle(receive(shell_id, command_id, max_envelope=8192), CONTEXT)
            sizes.append(len(reply.body))
            chunk_out, chunk_err, state = streams(reply)
            out, err = out + chunk_out, err + chunk_err
            if state == "Done":
                code = fromstring(reply.body).find(f".//{RSP}ExitCode").text
                return out, err, sizes, int(code)
        raise AssertionError("never done")

    out, err, sizes, code = run(scenario())
    assert (out.decode(), err.decode(), code) == (output, "e" * 9000, 2)
    assert max(sizes) <= 8192
    assert len(sizes) > 7


def test_max_envelope_too_small_is_a_fault() -> None:
    service = WsmanService("H", Executor(CommandResult(stdout="data")))

    async def scenario() -> WsmanReply:
        shell_id, command_id = await open_command(service)
        return await service.handle(receive(shell_id, command_id, max_envelope=600), CONTEXT)

    reply = run(scenario())
    assert reply.status == 500
    assert b"w:EncodingLimit" in reply.body


def test_receive_is_held_until_stdin_arrives_or_timeout() -> None:
    def answer(request: CommandRequest) -> CommandResult | None:
        if not request.stdin_closed:
            return None
        return CommandResult(stdout=request.stdin.decode().upper())

    executor = Executor(answer)
    service = WsmanService("H", executor)

    async def scenario() -> tuple[WsmanReply, float, WsmanReply, float]:
        shell_id, command_id = await open_command(service)
        started = time.monotonic()
        timed_out = await service.handle(receive(shell_id, command_id, timeout="PT0.3S"), CONTEXT)
        waited = time.monotonic() - started
        held = asyncio.ensure_future(service.handle(receive(shell_id, command_id, timeout="PT10S"), CONTEXT))
        await asyncio.sleep(0.05)
        assert not held.done()
        send = f'<rsp:Send><rsp:Stream Name="stdin" CommandId="{command_id}" End="true">{base64.b64encode(b"abc").decode()}</rsp:Stream></rsp:Send>'
        started = time.monotonic()
        sent = await service.handle(envelope(shell_action("Send"), send, shell_id=shell_id), CONTEXT)
        assert sent.status == 200
        return timed_out, waited, await held, time.monotonic() - started

    timed_out, waited, done, latency = run(scenario())
    assert timed_out.status == 500
    assert fault_code(timed_out) == "2150858793"
    assert 0.25 < waited < 1.0
    assert streams(done) == (b"ABC", b"", "Done")
    assert latency < 0.5
    assert len(executor.requests) == 2  # asked once when empty, once after the Send; never busy-polled


def test_signal_ends_the_command_and_wakes_a_held_receive() -> None:
    service = WsmanService("H", Executor(None))

    async def scenario() -> tuple[WsmanReply, WsmanReply]:
        shell_id, command_id = await open_command(service)
        held = asyncio.ensure_future(service.handle(receive(shell_id, command_id, timeout="PT10S"), CONTEXT))
        await asyncio.sleep(0.05)
        body = f'<rsp:Signal CommandId="{command_id}"><rsp:Code>{SHELL}/signal/terminate</rsp:Code></rsp:Signal>'
        signalled = await service.handle(envelope(shell_action("Signal"), body, shell_id=shell_id), CONTEXT)
        return signalled, await held

    signalled, held = run(scenario())
    assert signalled.status == 200
    assert held.status == 500
    assert fault_code(held) == "2150858843"


def test_executor_failure_is_an_internal_error_fault() -> None:
    def broken(request: CommandRequest) -> CommandResult:
        raise RuntimeError("bug in a runner")

    service = WsmanService("H", Executor(broken))

    async def scenario() -> WsmanReply:
        shell_id, command_id = await open_command(service)
        return await service.handle(receive(shell_id, command_id), CONTEXT)

    reply = run(scenario())
    assert reply.status == 500
    assert b"w:InternalError" in reply.body


def test_unsupported_action_resource_and_codepage() -> None:
    service = WsmanService("H", Executor(None))

    async def scenario() -> list[WsmanReply]:
        return [
            await service.handle(envelope("http://example.invalid/Nope", ""), CONTEXT),
            await service.handle(envelope(CREATE, "<rsp:Shell/>", resource_uri="http://example.invalid/wmi"), CONTEXT),
            await service.handle(
                envelope(
                    CREATE,
                    "<rsp:Shell/>",
                    options='<w:OptionSet><w:Option Name="WINRS_CODEPAGE">99999</w:Option></w:OptionSet>',
                ),
                CONTEXT,
            ),
        ]

    replies = run(scenario())
    assert [reply.status for reply in replies] == [500, 500, 500]
    assert b"a:ActionNotSupported" in replies[0].body
    assert b"w:InvalidResourceURI" in replies[1].body
    assert b"w:InvalidOptions" in replies[2].body


def test_entities_are_never_expanded() -> None:
    service = WsmanService("H", Executor(None))
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<lolz>&lol2;</lolz>"
    )
    reply = run(service.handle(bomb, CONTEXT))
    assert reply.status == 500
    assert b"lollol" not in reply.body


def test_an_idle_shell_is_reaped_after_its_idle_timeout() -> None:
    now = [1000.0]
    service = WsmanService("H", Executor(CommandResult(stdout="late")), clock=lambda: now[0])
    service.limits = WinrmLimits(idle_timeout_ms=60_000)

    async def scenario() -> tuple[str | None, int]:
        shell_id, command_id = await open_command(service)
        now[0] += 61  # a client away longer than IdleTimeout
        reply = await service.handle(receive(shell_id, command_id), CONTEXT)
        return fault_code(reply), service.open_shells

    assert run(scenario()) == ("2150858843", 0)


def test_max_concurrent_operations_counts_requests_in_progress() -> None:
    service = WsmanService("H", Executor(None))  # a command that never ends: its Receive is held
    service.limits = WinrmLimits(max_concurrent_operations_per_user=2)

    async def scenario() -> tuple[list[str | None], str | None]:
        shell_id, command_id = await open_command(service)
        held = [
            asyncio.ensure_future(service.handle(receive(shell_id, command_id, timeout="PT0.3S"), CONTEXT))
            for _ in range(2)
        ]
        await asyncio.sleep(0)  # both Receives start and are held
        refused = await service.handle(receive(shell_id, command_id, timeout="PT0.1S"), CONTEXT)
        return [fault_code(reply) for reply in await asyncio.gather(*held)], fault_code(refused)

    # Two held Receives end in the usual OperationTimeout; a third beside them is over the quota.
    assert run(scenario()) == (["2150858793", "2150858793"], "2150859174")
