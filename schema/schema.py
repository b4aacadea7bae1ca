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

from schema.activities.mutations import ActivityMutation
from schema.activities.queries import ActivityQuery
from schema.activities.types import Activity
from schema.arguments import ArgumentChecks
from schema.attribution.queries import AttributionQuery
from schema.audit.queries import AuditQuery
from schema.customers.mutations import CustomerMutation
from schema.customers.queries import CustomerQuery
from schema.customers.types import Contact, Customer
from schema.deals.mutations import DealMutation
from schema.deals.queries import DealQuery
from schema.deals.types import Deal, PipelineStage
from schema.graph.visibility import FieldMasks, Visibility
from schema.identity.sign_in import SignInMutation
from schema.identity.types import User
from schema.identity.users import UserMutation, UserQuery
from schema.identity.viewer import Viewer
from schema.leads.mutations import LeadMutation
from schema.leads.queries import LeadQuery
from schema.leads.types import Lead
from schema.nodes import NodeQuery
from schema.onboarding.mutations import OnboardingMutation
from schema.onboarding.queries import OnboardingQuery
from schema.onboarding.types import PartnerApplication
from schema.partners.mutations import PartnerMutation
from schema.partners.queries import PartnerQuery
from schema.partners.types import Partner
from schema.permissions import Authenticated
from schema.platform.mutations import PlatformMutation
from schema.platform.queries import PlatformQuery
from schema.registrations.mutations import RegistrationMutation
from schema.registrations.queries import RegistrationQuery
from schema.registrations.types import Registration
from schema.transfers.operations import TransferMutation, TransferQuery
from schema.webhooks.operations import WebhookMutation, WebhookQuery


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_tokens: int = 4000
    max_aliases: int = 30


@strawberry.type
class Query(
    NodeQuery,
    PartnerQuery,
    OnboardingQuery,
    LeadQuery,
    CustomerQuery,
    DealQuery,
    ActivityQuery,
    UserQuery,
    AuditQuery,
    PlatformQuery,
    WebhookQuery,
    TransferQuery,
    RegistrationQuery,
    AttributionQuery,
):
    @strawberry.field(permission_classes=[Authenticated], description="Who am I, and what may I do.")
    def viewer(self, info: Info) -> Viewer:
        return Viewer.of(info)


@strawberry.type
class Mutation(
    PartnerMutation,
    OnboardingMutation,
    LeadMutation,
    CustomerMutation,
    DealMutation,
    ActivityMutation,
    UserMutation,
    PlatformMutation,
    SignInMutation,
    WebhookMutation,
    TransferMutation,
    RegistrationMutation,
):
    pass


class Schema(strawberry.Schema):
    """The schema, refusing to build when any field does not say who may read it (`Visibility`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.visibility = Visibility(self._schema)

    def process_errors(self, errors, execution_context=None) -> None:
        """Coded errors belong to the client; unexpected ones are logged once, by `format_error`."""


def build_schema(*, introspection: bool, limits: Limits = Limits()) -> strawberry.Schema:
    extensions: list = [
        functools.partial(ParserCache, maxsize=1024),
        functools.partial(QueryDepthLimiter, max_depth=limits.max_depth),
        functools.partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        functools.partial(MaxAliasesLimiter, max_alias_count=limits.max_aliases),
        FieldMasks,
        ArgumentChecks,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        types=[Partner, Customer, Contact, Deal, Activity, User, PipelineStage, Registration, Lead, PartnerApplication],
    )
