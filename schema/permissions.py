"""Every root field and mutation declares who may call it (docs/architecture.md, rule 5).

`requires(action)` binds a field to an action of the authz vocabulary; `Public` marks the few fields
anyone may call (sign-in); `Authenticated` the ones any signed-in caller may call (viewer). A test walks
the schema and fails on a root field or mutation without one of these.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from authz.actions import Action
from schema.errors import forbidden, unauthenticated


class Public(BasePermission):
    message = "public"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


class Authenticated(BasePermission):
    message = "authentication required"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not info.context.principal.is_authenticated:
            raise unauthenticated()
        return True


class ActionPermission(BasePermission):
    action: Action

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        if not context.principal.is_authenticated:
            raise unauthenticated()
        if not context.allows(self.action):
            raise forbidden(f"not allowed: {self.action}", action=str(self.action))
        return True


@cache
def requires(action: Action) -> type[ActionPermission]:
    """A permission class for `action`, one per action."""
    return type(f"Requires_{action.obj}_{action.act}", (ActionPermission,), {"action": action})
