"""Policy lines: the shared defaults read from the CSV beside this module, and the checks every line passes.

A line is `(ptype, role, domain, object, action, effect)`, the columns of Casbin's `p` and of the
policy tables. Default lines have domain `*` and apply to every tenant; a tenant's own lines carry its
id as domain and may allow more or deny a default, for tenant roles and tenant objects only.
"""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

from authz.actions import KNOWN_ACTIONS, PLATFORM_OBJECTS, Action
from authz.roles import ALL_ROLES, TENANT_ROLES

HERE = Path(__file__).parent
MODEL_PATH = HERE / "model.conf"
DEFAULT_POLICY_PATH = HERE / "default_policy.csv"
DEFAULT_DOMAIN = "*"
EFFECTS = frozenset({"allow", "deny"})

PolicyLine = tuple[str, str, str, str, str, str]  # ptype, role, domain, object, action, effect


def check_line(line: tuple[str, ...]) -> PolicyLine:
    """`line` if it is well formed and names a known role, action and effect; else ValueError."""
    if len(line) != 6 or line[0] != "p":
        raise ValueError(f"a policy line is p, role, domain, object, action, effect: {line}")
    _, role, _, obj, act, eft = line
    if role not in ALL_ROLES:
        raise ValueError(f"unknown role {role!r} in {line}")
    if Action(obj, act) not in KNOWN_ACTIONS:
        raise ValueError(f"unknown action {obj}:{act} in {line}")
    if eft not in EFFECTS:
        raise ValueError(f"effect must be allow or deny in {line}")
    return line  # the length check above narrows it to six fields


def check_default_line(line: tuple[str, ...]) -> PolicyLine:
    checked = check_line(line)
    if checked[2] != DEFAULT_DOMAIN:
        raise ValueError(f"a default line has domain {DEFAULT_DOMAIN!r}: {line}")
    return checked


def check_tenant_line(line: tuple[str, ...], tenant_id: uuid.UUID) -> PolicyLine:
    """`line` if a tenant may own it: its own domain, a tenant role, no platform object.

    The tenants layer should call this before storing a tenant's line, so a bad line is refused
    where it is written rather than skipped where it is read.
    """
    checked = check_line(line)
    _, role, dom, obj, _, _ = checked
    if dom != str(tenant_id):
        raise ValueError(f"a line of tenant {tenant_id} must have its id as domain: {line}")
    if role not in TENANT_ROLES:
        raise ValueError(f"a tenant cannot change the rights of role {role!r}: {line}")
    if obj in PLATFORM_OBJECTS:
        raise ValueError(f"a tenant cannot grant or deny {obj}:* actions: {line}")
    return checked


def read_lines(path: Path = DEFAULT_POLICY_PATH) -> list[PolicyLine]:
    """The default lines of a CSV file; blank lines and `#` comments are skipped."""
    lines: list[PolicyLine] = []
    with path.open(newline="") as handle:
        for row in csv.reader(handle, skipinitialspace=True):
            if not row or row[0].lstrip().startswith("#"):
                continue
            lines.append(check_default_line(tuple(cell.strip() for cell in row)))
    return lines


DEFAULT_POLICY_LINES: list[PolicyLine] = read_lines()
