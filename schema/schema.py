"""The one schema served to every audience, and its execution limits."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.types import Info

from schema.identity.sign_in import SignInMutation
from schema.identity.viewer import Viewer
from schema.permissions import Authenticated
from schema.platform.mutations import PlatformMutation
from schema.platform.queries import PlatformQuery


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_tokens: int = 4000
    max_aliases: int = 30


@strawberry.type
class Query(PlatformQuery):
    @strawberry.field(permission_classes=[Authenticated], description="Who am I, and what may I do.")
    def viewer(self, info: Info) -> Viewer:
        return Viewer.of(info)


@strawberry.type
class Mutation(PlatformMutation, SignInMutation):
    pass


def build_schema(*, introspection: bool, limits: Limits = Limits()) -> strawberry.Schema:
    extensions: list = [
        functools.partial(ParserCache, maxsize=1024),
        functools.partial(QueryDepthLimiter, max_depth=limits.max_depth),
        functools.partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        functools.partial(MaxAliasesLimiter, max_alias_count=limits.max_aliases),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
