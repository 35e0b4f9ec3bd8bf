"""The unit a list names (清单中的单位名称), found within the list's region.

A unit's name is unique only within its region: two counties each have a 住建局. A list of a
region names its units by full name or short name, spaces and full-width forms ignored; the
name means, nearest first:

1. a unit of the list's own region (its full name before another unit's short name);
2. a unit without a region (units kept before regions were set up);
3. a unit of a region below the list's (a county list names its townships' offices), only if
   exactly one such unit has that name: several are ambiguous, and none is picked.

A unit of any other region (a sibling county, the city above) is never picked. A list without
a region reads the units without a region first, then a unit of any region if exactly one has
that name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Q

from projects.models import Region, Unit


def normal_name(name: str) -> str:
    """A name as the lists are compared: NFKC (full-width forms folded), without spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


@dataclass
class _Tier:
    # Several units of a strict tier under one name are ambiguous; a lenient tier holds one
    # region's units, whose full names are unique, and picks the first of a shared short name.
    strict: bool
    full: dict[str, list[Unit]] = field(default_factory=dict)
    short: dict[str, list[Unit]] = field(default_factory=dict)

    def add(self, unit: Unit) -> None:
        self.full.setdefault(normal_name(unit.name), []).append(unit)
        if unit.short_name:
            self.short.setdefault(normal_name(unit.short_name), []).append(unit)

    def candidates(self, key: str) -> list[Unit]:
        for index in (self.full, self.short):
            if found := index.get(key):
                return list(found) if self.strict else found[:1]
        return []


class UnitNames:
    """The units a list of ``region`` (None: a list without a region) may name."""

    def __init__(self, region: Region | None):
        self.region = region
        units = Unit.objects.select_related("region")
        if region is None:
            self._tiers = [_Tier(strict=False), _Tier(strict=True)]
        else:
            self._tiers = [_Tier(strict=False), _Tier(strict=False), _Tier(strict=True)]
            units = units.filter(Q(region__isnull=True) | Q(region__code__startswith=region.prefix))
        for unit in units:
            self.add(unit)

    def _tier(self, unit: Unit) -> _Tier:
        if self.region is None:
            return self._tiers[0 if unit.region_id is None else 1]
        if unit.region_id == self.region.pk:
            return self._tiers[0]
        return self._tiers[1 if unit.region_id is None else 2]

    def add(self, unit: Unit) -> None:
        """Know a unit created meanwhile (by the import)."""
        self._tier(unit).add(unit)

    def candidates(self, name: str) -> list[Unit]:
        """The units ``name`` may mean in the nearest tier that has any: none (unknown), one
        (found), or several of the regions below (ambiguous)."""
        key = normal_name(name)
        for tier in self._tiers:
            if found := tier.candidates(key):
                return found
        return []

    def find(self, name: str) -> Unit | None:
        found = self.candidates(name)
        return found[0] if len(found) == 1 else None

    def get(self, name: str) -> Unit:
        """The unit ``name`` means; KeyError when it is unknown or ambiguous."""
        unit = self.find(name)
        if unit is None:
            raise KeyError(name)
        return unit

    def ambiguity(self, name: str, units: list[Unit]) -> str:
        """Why ``name`` is not taken to mean one of ``units``, in Chinese."""
        where = "、".join(dict.fromkeys(u.region.name if u.region_id else "未设区划" for u in units))
        hint = "请填写清单的所属区划代码" if self.region is None else "请写明能区分的单位全称"
        return f"单位“{name}”有{len(units)}个同名单位（{where}），无法确定是哪一个，{hint}"
