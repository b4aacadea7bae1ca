"""Deciding: Casbin for role -> action rules, memoised, and a per-request view of the caller's rights.

One shared PolicySet holds the defaults; a tenant with lines of its own gets a small PolicySet of its
own (defaults + its lines), cached by (tenant, policy version), so no enforcer ever holds every
tenant's copy. Decisions depend only on (roles, object, action) within a PolicySet and are memoised.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import casbin

from authz.actions import ALL_ACTIONS, Action
from authz.errors import Forbidden
from authz.policy import DEFAULT_POLICY_LINES, MODEL_PATH, PolicyLine, check_line
from authz.principal import Audience, Principal
from authz.roles import ROLES_BY_AUDIENCE

DEFAULT_DOMAIN = "*"


class PolicySet:
    def __init__(self, lines: Iterable[PolicyLine], *, domain: str = DEFAULT_DOMAIN) -> None:
        self.domain = domain
        self._enforcer = casbin.Enforcer(str(MODEL_PATH))
        rules = []
        for line in lines:
            check_line(line)
            rules.append(list(line[1:]))
        if rules:
            self._enforcer.add_policies(rules)
        self._memo: dict[tuple[frozenset[str], str, str], bool] = {}

    def allows(self, roles: frozenset[str], obj: str, act: str) -> bool:
        key = (roles, obj, act)
        found = self._memo.get(key)
        if found is None:
            found = any(self._enforcer.enforce(role, self.domain, obj, act) for role in roles)
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[key] = found
        return found


class Authorizer:
    """Hands out the PolicySet for a tenant and policy version."""

    def __init__(self, default_lines: Sequence[PolicyLine] = DEFAULT_POLICY_LINES, *, max_tenants: int = 1000) -> None:
        self.default_lines = list(default_lines)
        self.defaults = PolicySet(self.default_lines)
        self.max_tenants = max_tenants
        self._tenants: OrderedDict[tuple[uuid.UUID, int], PolicySet] = OrderedDict()

    def cached(self, tenant_id: uuid.UUID | None, version: int) -> PolicySet | None:
        if tenant_id is None:
            return self.defaults
        found = self._tenants.get((tenant_id, version))
        if found is not None:
            self._tenants.move_to_end((tenant_id, version))
        return found

    def policy_for(
        self, tenant_id: uuid.UUID | None, version: int, tenant_lines: Sequence[PolicyLine] | None
    ) -> PolicySet:
        """The PolicySet for a tenant; `tenant_lines` is consulted only when it is not cached."""
        found = self.cached(tenant_id, version)
        if found is not None:
            return found
        if tenant_lines:
            policy = PolicySet([*self.default_lines, *tenant_lines], domain=str(tenant_id))
        else:
            policy = self.defaults
        self._tenants[(tenant_id, version)] = policy
        while len(self._tenants) > self.max_tenants:
            self._tenants.popitem(last=False)
        return policy


class Decisions:
    """The caller's rights for one request."""

    def __init__(self, principal: Principal, policy: PolicySet) -> None:
        self.principal = principal
        self.policy = policy
        # A role of another audience confers nothing.
        self.roles = principal.roles & ROLES_BY_AUDIENCE.get(principal.audience, frozenset())
        self._memo: dict[Action, bool] = {}

    def allows(self, action: Action) -> bool:
        found = self._memo.get(action)
        if found is None:
            found = (
                self.principal.audience is not Audience.ANONYMOUS
                and bool(self.roles)
                and self.policy.allows(self.roles, action.obj, action.act)
            )
            self._memo[action] = found
        return found

    def require(self, action: Action) -> None:
        if not self.allows(action):
            raise Forbidden(action)

    def permitted(self) -> list[Action]:
        return [action for action in ALL_ACTIONS if self.allows(action)]
