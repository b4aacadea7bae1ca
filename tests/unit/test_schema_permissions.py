"""Every root field and mutation declares who may call it (see docs/architecture.md, "Authorization")."""

from __future__ import annotations

from schema.permissions import ActionPermission, Authenticated, Public
from schema.schema import Mutation, Query

DECLARED = (ActionPermission, Authenticated, Public)
PUBLIC_ON_PURPOSE = {"signIn", "acceptInvitation", "applyAsPartner"}


def _root_fields(root) -> dict:
    definition = root.__strawberry_definition__
    return {field.graphql_name or _camel(field.python_name): field for field in definition.fields}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_every_root_field_declares_a_permission():
    missing, public = [], set()
    for root in (Query, Mutation):
        for name, field in _root_fields(root).items():
            classes = list(field.permission_classes or [])
            if not any(issubclass(c, DECLARED) for c in classes):
                missing.append(f"{root.__name__}.{name}")
            if any(issubclass(c, Public) for c in classes):
                public.add(name)
    assert not missing, f"root fields without a declared permission: {missing}"
    assert public == PUBLIC_ON_PURPOSE


def test_the_walk_would_catch_an_undeclared_field():
    import strawberry

    @strawberry.type
    class Careless:
        @strawberry.field
        def leak(self) -> str:
            return "secret"

    fields = _root_fields(Careless)
    assert not any(issubclass(c, DECLARED) for c in fields["leak"].permission_classes or [])
