"""Deciding: Casbin for role -> action rules, memoised, and a per-request view of the caller's rights.

One shared PolicySet holds the defaults; a tenant with lines of its own gets a small PolicySet of its
own (defaults + its lines), cached by (tenant, policy version), so no enforcer ever holds every
tenant's copy (docs/architecture.md, "Authorization"). Within a PolicySet a decision depends only on
(roles, object, action), so it is memoised and Casbin runs once per new question.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import casbin

from authz.actions import ALL_ACTIONS, KNOWN_ACTIONS, PLATFORM_OBJECTS, Action
from authz.errors import Forbidden
from authz.policy import (
    DEFAULT_DOMAIN,
    DEFAULT_POLICY_LINES,
    MODEL_PATH,
    PolicyLine,
    check_default_line,
    check_tenant_line,
)
from authz.principal import Audience, Principal
from authz.roles import ALL_ROLES, ROLES_BY_AUDIENCE

log = logging.getLogger("channelgraph.authz")

MAX_MEMO = 10_000
# Casbin's FastEnforcer indexes lines by these fields (role, object, action: the same positions in a
# request and a line), so one enforce evaluates the matcher on a line or two instead of all of them.
INDEXED_FIELDS = [0, 2, 3]


class PolicySet:
    """The role -> action rules of the shared defaults, or of one tenant (defaults + its own lines).

    A tenant's line that it may not own (see `check_tenant_line`) is logged and ignored: ignoring an
    allow grants less, and an invalid deny could not have matched a tenant role anyway.
    """

    def __init__(
        self,
        default_lines: Iterable[PolicyLine],
        tenant_lines: Iterable[PolicyLine] = (),
        tenant_id: uuid.UUID | None = None,
    ) -> None:
        rules: list[tuple[str, ...]] = [check_default_line(line)[1:] for line in default_lines]
        own = list(tenant_lines)
        if own:
            if tenant_id is None:
                raise ValueError("a tenant's own policy lines need its tenant id")
            rules += _tenant_rules(own, tenant_id)
        self.tenant_id = tenant_id
        self.domain = DEFAULT_DOMAIN if tenant_id is None else str(tenant_id)
        self._enforcer = casbin.FastEnforcer(str(MODEL_PATH), cache_key_order=INDEXED_FIELDS)
        unique = [list(rule) for rule in dict.fromkeys(rules)]
        if unique and not self._enforcer.add_policies(unique):
            raise RuntimeError("Casbin refused the policy lines")
        # FastEnforcer filters its shared policy in place while it enforces: one question at a time.
        self._lock = threading.Lock()
        self._memo: dict[tuple[frozenset[str], str, str], bool] = {}
        self._by_role: dict[tuple[str, str, str], bool] = {}

    def allows(self, roles: frozenset[str], obj: str, act: str, domain: str) -> bool:
        """True if any of `roles` may `act` on `obj` in `domain` (a tenant id as text, or `*`).

        A tenant's PolicySet answers only for that tenant's domain; the shared one answers for any,
        since its lines all have domain `*`.
        """
        if domain != self.domain and self.tenant_id is not None:
            raise ValueError(f"this policy set is tenant {self.domain}'s, not {domain}'s")
        key = (roles, obj, act)
        found = self._memo.get(key)
        if found is None:
            found = Action(obj, act) in KNOWN_ACTIONS and any(
                self._role_allows(role, obj, act, domain) for role in roles
            )
            if len(self._memo) >= MAX_MEMO:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _role_allows(self, role: str, obj: str, act: str, domain: str) -> bool:
        key = (role, obj, act)
        found = self._by_role.get(key)
        if found is None:
            found = role in ALL_ROLES and self._enforce(role, domain, obj, act)
            if len(self._by_role) >= MAX_MEMO:
                self._by_role.clear()
            self._by_role[key] = found
        return found

    def _enforce(self, *request: str) -> bool:
        with self._lock:
            return bool(self._enforcer.enforce(*request))


def _tenant_rules(lines: Iterable[PolicyLine], tenant_id: uuid.UUID) -> list[tuple[str, ...]]:
    rules: list[tuple[str, ...]] = []
    for line in lines:
        try:
            rules.append(check_tenant_line(line, tenant_id)[1:])
        except ValueError as error:
            log.warning("ignoring a policy line of tenant %s: %s", tenant_id, error)
    return rules


class Authorizer:
    """This process's policy sets: the shared defaults, and a bounded LRU of tenants' own.

    Tenants' sets are keyed by (tenant id, policy version): bumping a tenant's version is how a
    change of its lines reaches this cache. A tenant without lines of its own maps to the shared set.
    """

    def __init__(self, default_lines: Sequence[PolicyLine] = DEFAULT_POLICY_LINES, *, max_tenants: int = 1000) -> None:
        self.default_lines = tuple(default_lines)
        self.defaults = PolicySet(self.default_lines)
        self.max_tenants = max_tenants
        self._tenants: OrderedDict[tuple[uuid.UUID, int], PolicySet] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, tenant_id: uuid.UUID | None, version: int) -> PolicySet | None:
        """The PolicySet for this tenant and version if it is at hand; None means "load its lines"."""
        if tenant_id is None:
            return self.defaults
        key = (tenant_id, version)
        with self._lock:
            found = self._tenants.get(key)
            if found is not None:
                self._tenants.move_to_end(key)
            return found

    def policy_for(
        self, tenant_id: uuid.UUID | None, version: int, tenant_lines: Sequence[PolicyLine] | None
    ) -> PolicySet:
        """The PolicySet for a tenant; `tenant_lines` (its own lines) is consulted only on a cache miss."""
        found = self.cached(tenant_id, version)
        if found is not None:
            return found
        assert tenant_id is not None  # cached() answers for "no tenant"
        policy = PolicySet(self.default_lines, tenant_lines, tenant_id) if tenant_lines else self.defaults
        with self._lock:
            self._tenants[(tenant_id, version)] = policy
            while len(self._tenants) > self.max_tenants:
                self._tenants.popitem(last=False)
        return policy


class Decisions:
    """What one caller may do, for one request.

    Only roles of the principal's own audience count (a vendor holding "platform_admin" gains
    nothing); anonymous and authn principals hold no roles and may do nothing. Tenant objects
    (`tenant:*`) are for the platform audience alone, and it may do nothing else.
    """

    def __init__(self, principal: Principal, policy_set: PolicySet) -> None:
        self.principal = principal
        self.policy_set = policy_set
        self.roles = principal.roles & ROLES_BY_AUDIENCE.get(principal.audience, frozenset())
        self._domain = DEFAULT_DOMAIN if principal.tenant_id is None else str(principal.tenant_id)
        self._platform = principal.audience is Audience.PLATFORM
        self._memo: dict[Action, bool] = {}

    def allows(self, action: Action) -> bool:
        found = self._memo.get(action)
        if found is None:
            found = (
                bool(self.roles)
                and (action.obj in PLATFORM_OBJECTS) == self._platform
                and self.policy_set.allows(self.roles, action.obj, action.act, self._domain)
            )
            self._memo[action] = found
        return found

    def require(self, action: Action) -> None:
        """Raise Forbidden(action) unless the caller may perform it."""
        if not self.allows(action):
            raise Forbidden(action)

    def permitted(self) -> list[Action]:
        """Every action the caller may perform, in vocabulary order (for `viewer.permissions`)."""
        return [action for action in ALL_ACTIONS if self.allows(action)]
