"""One clock: every rule, service, task, view, demo and test that needs "today" asks
``core.dates.today()``, so that moving that one function (or the process clock under it) moves
the whole product. Reading the date any other way is refused here, by name and line."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "projects", "supervision", "selection", "livelihood", "tests", "bench")
THE_CLOCK = ROOT / "core" / "dates.py"


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, call) for each way of reading today's date other than core.dates.today():
    ``localdate()`` with no moment, ``date.today()``, ``datetime.today()``, a naive
    ``datetime.now()`` and ``….now().date()``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        bare = not node.args and not node.keywords
        if last == "localdate" and bare:
            found.append((node.lineno, f"{name}()"))
        elif last == "today" and name.split(".")[-2:-1] in (["date"], ["datetime"]):
            found.append((node.lineno, f"{name}()"))
        elif last == "now" and name.split(".")[-2:-1] == ["datetime"] and bare:
            found.append((node.lineno, f"{name}()"))
        elif (
            last == "date"
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call)
            and _dotted(node.func.value.func).rsplit(".", 1)[-1] in {"now", "localtime"}
            and not node.func.value.args
        ):
            found.append((node.lineno, f"{_dotted(node.func.value.func)}().date()"))
    return found


def test_the_rule_finds_every_other_way_of_reading_the_date():
    source = (
        "import datetime as dt\nfrom datetime import date, datetime\nfrom django.utils import timezone\n"
        "a = timezone.localdate()\nb = date.today()\nc = dt.date.today()\nd = datetime.now()\n"
        "e = timezone.now().date()\nf = datetime.today()\nk = timezone.localtime().date()\n"
        # Conversions and timestamps are not readings of today's date.
        "g = timezone.localdate(moment)\nh = timezone.now()\ni = datetime.now(tz)\nj = core.dates.today()\n"
        "m = timezone.localtime(moment).date()\n"
    )
    assert sorted(line for line, _ in clock_reads(source)) == [4, 5, 6, 7, 8, 9, 10]


def test_nothing_but_core_dates_reads_todays_date():
    offences = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == THE_CLOCK or "migrations" in path.parts:
                continue
            for line, call in clock_reads(path.read_text(encoding="utf-8")):
                offences.append(f"{path.relative_to(ROOT)}:{line}: {call}")
    assert offences == [], "ask core.dates.today() instead:\n" + "\n".join(offences)
