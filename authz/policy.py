"""Default policy lines, read from the CSV beside this module."""

from __future__ import annotations

import csv
from pathlib import Path

from authz.actions import ALL_ACTIONS, Action
from authz.roles import ALL_ROLES

HERE = Path(__file__).parent
MODEL_PATH = HERE / "model.conf"
DEFAULT_POLICY_PATH = HERE / "default_policy.csv"

PolicyLine = tuple[str, str, str, str, str, str]  # ptype, role, domain, object, action, effect


def read_lines(path: Path = DEFAULT_POLICY_PATH) -> list[PolicyLine]:
    lines: list[PolicyLine] = []
    with path.open(newline="") as handle:
        for row in csv.reader(handle, skipinitialspace=True):
            if not row or row[0].startswith("#"):
                continue
            line = tuple(cell.strip() for cell in row)
            check_line(line)
            lines.append(line)  # type: ignore[arg-type]
    return lines


def check_line(line: tuple[str, ...]) -> None:
    if len(line) != 6 or line[0] != "p":
        raise ValueError(f"a policy line is p, role, domain, object, action, effect: {line}")
    _, role, _, obj, act, eft = line
    if role not in ALL_ROLES:
        raise ValueError(f"unknown role {role!r} in {line}")
    if Action(obj, act) not in ALL_ACTIONS:
        raise ValueError(f"unknown action {obj}:{act} in {line}")
    if eft not in ("allow", "deny"):
        raise ValueError(f"effect must be allow or deny in {line}")


DEFAULT_POLICY_LINES: list[PolicyLine] = read_lines()
