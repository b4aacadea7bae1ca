"""Partners: listing with filters, create, update, archive. Row scope is the database's business."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Audience, Principal
from tenants import records
from tenants.errors import BadInput, Conflict
from tenants.filters import Criterion, Listing
from tenants.outbox.events import emit
from tenants.pagination import SortKey
from tenants.partners.models import PARTNER_KINDS, PARTNER_STATUSES, Partner, PartnerAncestry
from tenants.text_search import contains, normalise_domain

ORDERS = {
    "NAME": [SortKey(Partner.name), SortKey(Partner.id, kind=uuid.UUID)],
    "CREATED_AT": [SortKey(Partner.created_at, descending=True, kind=dt.datetime), SortKey(Partner.id, kind=uuid.UUID)],
}
VENDOR_ONLY_FIELDS = {"status", "tier", "parent_id", "kind"}

PARTNERS = Listing(
    Partner,
    {
        "search": Criterion(lambda v: or_(Partner.name.ilike(v), Partner.domain.ilike(v)), prepare=contains),
        "status": Criterion(lambda v: Partner.status == v),
        "tier": Criterion(lambda v: Partner.tier == v),
        "kind": Criterion(lambda v: Partner.kind == v),
        "parent_id": Criterion(lambda v: Partner.parent_id == v),
        # Sub-partners at any depth: it reveals the hierarchy, which is what `parent` shows.
        "below_id": Criterion(
            lambda v: Partner.id.in_(
                select(PartnerAncestry.descendant_id).where(PartnerAncestry.ancestor_id == v, PartnerAncestry.depth > 0)
            ),
            reveals=(Partner.parent_id,),
        ),
    },
    ORDERS,
)


def _check(fields: dict[str, Any], *, creating: bool = False) -> dict[str, Any]:
    if "name" in fields and not (fields["name"] or "").strip():
        raise BadInput("name must not be empty", field="name")
    if fields.get("kind") is not None and fields["kind"] not in PARTNER_KINDS:
        raise BadInput(f"kind must be one of {', '.join(PARTNER_KINDS)}", field="kind")
    if fields.get("status") is not None and fields["status"] not in PARTNER_STATUSES:
        raise BadInput(f"status must be one of {', '.join(PARTNER_STATUSES)}", field="status")
    if "domain" in fields:
        fields["domain"] = normalise_domain(fields["domain"])
    if creating and not fields.get("domain") and fields.get("website"):
        fields["domain"] = normalise_domain(fields["website"])  # a new partner's domain defaults to its site's
    return fields


async def create_partner(session: AsyncSession, principal: Principal, fields: dict[str, Any]) -> Partner:
    fields = _check(dict(fields), creating=True)
    if fields.get("parent_id"):
        await records.load(session, Partner, fields["parent_id"], label="parent partner")
    partner = Partner(id=uuid.uuid4(), tenant_id=principal.tenant_id, **fields)
    return await records.create(session, principal, partner, action="partner.create")


async def update_partner(
    session: AsyncSession, principal: Principal, partner_id: uuid.UUID, version: int, changes: dict[str, Any]
) -> Partner:
    changes = _check(dict(changes))
    if principal.audience is Audience.PARTNER and VENDOR_ONLY_FIELDS & changes.keys():
        raise BadInput("partners may change their profile, not their kind, status, tier or parent", field="input")
    partner = await records.lock_for_change(session, Partner, partner_id, version, label="partner")
    if changes.get("parent_id"):
        await records.load(session, Partner, changes["parent_id"], label="parent partner")
    before = {"status": partner.status, "tier": partner.tier}
    try:
        await records.change(session, principal, partner, changes, action="partner.update")
    except IntegrityError as error:
        if "sub-partner" in str(error.orig) or "not_own_parent" in str(error.orig):
            raise Conflict("a partner cannot be placed under itself or its own sub-partner", field="parentId") from None
        raise
    for field in ("status", "tier"):
        if before[field] != getattr(partner, field):
            emit(
                session,
                principal,
                f"partner.{field}_changed",
                "Partner",
                partner.id,
                {"from": before[field], "to": getattr(partner, field)},
            )
    return partner


async def archive_partner(session: AsyncSession, principal: Principal, partner_id: uuid.UUID, version: int) -> Partner:
    return await records.archive(session, principal, Partner, partner_id, version, label="partner")
