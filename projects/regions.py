"""Administrative division codes (GB/T 2260): what a valid code is at each level, and how codes
nest. Province, city and county codes have 6 digits (440000, 440100, 440106), townships 9
(440106001). Pure functions, no database.
"""

from __future__ import annotations

PROVINCE, CITY, COUNTY, TOWNSHIP = "province", "city", "county", "township"
LEVELS = (PROVINCE, CITY, COUNTY, TOWNSHIP)
CODE_LENGTH = {PROVINCE: 6, CITY: 6, COUNTY: 6, TOWNSHIP: 9}
# How many leading digits of a code a region shares with every region below it.
PREFIX_LENGTH = {PROVINCE: 2, CITY: 4, COUNTY: 6, TOWNSHIP: 9}
LEVEL_NAMES = {PROVINCE: "省级", CITY: "市级", COUNTY: "县级", TOWNSHIP: "乡级"}


def code_prefix(code: str, level: str) -> str:
    """The leading digits every region below this one shares: '44' for 440000, '4401' for
    440100, the whole code for a county or township."""
    return code[: PREFIX_LENGTH.get(level, len(code))]


def level_above(level: str) -> str | None:
    """The level a region of this level hangs under (None for a province)."""
    index = LEVELS.index(level)
    return LEVELS[index - 1] if index else None


def code_errors(
    code: str, level: str, *, parent_code: str | None = None, parent_level: str | None = None
) -> dict[str, str]:
    """Chinese messages, by field, for a code that does not fit its level or its parent."""
    if level not in LEVELS:
        return {"level": "层级须为省级、市级、县级或乡级"}
    length = CODE_LENGTH[level]
    if not (code.isascii() and code.isdigit() and len(code) == length):
        return {"code": f"{LEVEL_NAMES[level]}区划代码须为{length}位数字，“{code}”不符合"}
    tail = code[PREFIX_LENGTH[level] :]
    if level != TOWNSHIP and tail.strip("0"):
        return {"code": f"{LEVEL_NAMES[level]}区划代码“{code}”末{len(tail)}位应为0"}
    if level == COUNTY and code[4:] == "00":
        return {"code": f"县级区划代码“{code}”末2位不能为00"}
    expected_parent = level_above(level)
    if expected_parent is None:
        if parent_code is not None:
            return {"parent": "省级区划没有上级区划"}
        return {}
    if parent_code is None:
        return {"parent": f"{LEVEL_NAMES[level]}区划须填写上级区划"}
    if parent_level != expected_parent:
        return {"parent": f"{LEVEL_NAMES[level]}区划的上级须为{LEVEL_NAMES[expected_parent]}区划"}
    if not code.startswith(code_prefix(parent_code, parent_level)):
        return {"code": f"区划代码“{code}”不在上级区划“{parent_code}”的代码范围内"}
    return {}
