"""Nothing in the package reads the wall clock except the one clock (domain/clock.py).

A report that was right only on some days of the month came from two clocks disagreeing; this keeps it to one.
Monotonic time (time.monotonic, perf_counter) is for durations and timeouts and stays allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import avma_console

PACKAGE = Path(avma_console.__file__).parent
THE_CLOCK = PACKAGE / "domain" / "clock.py"
# datetime.now/utcnow/today and date.today read the calendar; so do time.time() and, without an argument,
# time.localtime/gmtime/ctime.
READS_NOW = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today")}
TIME_READS_NOW = {"time", "time_ns", "localtime", "gmtime", "ctime"}


def wall_clock_reads(source: str, name: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
        call = (owner_name, node.func.attr)
        if call in READS_NOW or (owner_name == "time" and node.func.attr in TIME_READS_NOW and not node.args):
            found.append(f"{name}:{node.lineno}: {owner_name}.{node.func.attr}()")
    return found


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != THE_CLOCK
        for hit in wall_clock_reads(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
    ]
    assert offenders == [], "take the time from a Clock (avma_console/domain/clock.py) instead:\n" + "\n".join(
        offenders
    )


def test_the_check_sees_every_form_of_a_wall_clock_read() -> None:
    probe = (
        "import datetime, time\nfrom datetime import date, datetime as dt\n"
        "a = datetime.datetime.now(datetime.UTC)\nb = date.today()\nc = time.time()\n"
        "d = time.monotonic()\ne = time.localtime(0)\nf = dt.now()\n"
    )
    assert wall_clock_reads(probe, "probe.py") == [
        "probe.py:3: datetime.now()",
        "probe.py:4: date.today()",
        "probe.py:5: time.time()",
    ]
