"""How a model is reached by the reading scope (``projects.scope``): a declaration each model
read by users carries in a class attribute ``reach``. It lives here, below the apps, so that
models declare it without importing the scope's rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reach:
    """``plan``: the path to the list a record belongs to (``""`` for Plan itself); ``region``:
    the path to a region of its own; ``units`` and ``shares``: the paths to the units it
    concerns and to the shares (分解任务) it is about; ``handed_down``: a higher list's record is
    read whole by the regions the list is handed down to (a city's issued circulars, its 红黄榜
    and its public notices go to every district with a share)."""

    plan: str | None = None
    region: str | None = None
    units: tuple[str, ...] = ()
    shares: tuple[str, ...] = ()
    handed_down: bool = False
