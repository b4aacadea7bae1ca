"""What the row policies read, kept by the write path: which partners reach each row, the partner closure
table, and the partners that touched each deal.

The policies compare rows with settings only (docs/architecture.md, "Row security"), so what a partner
reaches through other rows is stored on the rows: `partner_ids` of a customer (its partner and the partners
of its deals), of its contacts and activities, of a deal's stage history, of a user (its membership's
partner) and its invitations, of a lead's contact (the partner that accepted it). Every ORM flush is watched
here. A new customer, contact or stage change whose parents are at hand gets its `partner_ids` in the
insert itself; any change that reaches further (a deal given a partner, a partner moved under another, a
membership, an accepted offer) is handed after the flush to `app.keep_reach` (migration 0009), one statement
that recomputes exactly the rows concerned as the tenant's `system` and steps back to the caller. Bulk
writes that bypass the ORM call `keep` themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from tenants.activities.models import Activity
from tenants.base import new_id
from tenants.customers.models import Contact, Customer
from tenants.deals.models import Deal, DealStageChange
from tenants.identity.models import Invitation, Membership, User
from tenants.leads.models import LeadAssignment, LeadContact
from tenants.partners.models import Partner

KEEP = text(
    "select app.keep_reach(cast(:partners as uuid[]), cast(:customers as uuid[]), cast(:deals as uuid[]),"
    " cast(:contacts as uuid[]), cast(:activities as uuid[]), cast(:users as uuid[]), cast(:leads as uuid[]))"
)


@dataclass
class Changes:
    """The rows whose reach a flush changed, by kind (partners in the order they must be placed)."""

    partners: list[uuid.UUID] = field(default_factory=list)
    customers: list[uuid.UUID] = field(default_factory=list)
    deals: list[uuid.UUID] = field(default_factory=list)
    contacts: list[uuid.UUID] = field(default_factory=list)
    activities: list[uuid.UUID] = field(default_factory=list)
    users: list[uuid.UUID] = field(default_factory=list)
    leads: list[uuid.UUID] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def parameters(self) -> dict[str, list[uuid.UUID]]:
        return {name: list(dict.fromkeys(getattr(self, name))) for name in self.__dataclass_fields__}


async def keep(session: AsyncSession, changes: Changes) -> None:
    """Recompute what `changes` reach (for writes that bypass the ORM, such as bulk imports)."""
    if changes:
        await session.execute(KEEP, changes.parameters())


def _changed(row: Any, *names: str) -> bool:
    state = inspect(row)
    return any(state.attrs[name].history.has_changes() for name in names)


def _old(row: Any, name: str) -> list[Any]:
    return [value for value in inspect(row).attrs[name].history.deleted if value is not None]


def _ids(*values: uuid.UUID | None) -> list[uuid.UUID]:
    return sorted({v for v in values if v is not None})


def _placed_in_order(partners: Iterable[Partner]) -> list[uuid.UUID]:
    """Partners to place, each after its parent when both are placed in this flush."""
    pending = {p.id: p for p in partners}
    ordered: list[uuid.UUID] = []
    visiting: set[uuid.UUID] = set()

    def place(partner: Partner) -> None:
        if partner.id in ordered or partner.id in visiting:
            return  # placed already, or a cycle (the database refuses it when the partner is placed)
        visiting.add(partner.id)
        parent = pending.get(partner.parent_id) if partner.parent_id is not None else None
        if parent is not None:
            place(parent)
        ordered.append(partner.id)

    for partner in pending.values():
        place(partner)
    return ordered


ACTIVITY_REACH = text(
    "select app.uuid_set(array[cast(:partner as uuid), d.partner_id]"
    " || coalesce(c.partner_ids, '{}') || coalesce(dc.partner_ids, '{}'))"
    " from (select 1) one"
    " left join app.deals d on d.tenant_id = :tenant and d.id = :deal"
    " left join app.customers c on c.tenant_id = :tenant and c.id = :customer"
    " left join app.customers dc on dc.tenant_id = :tenant and dc.id = d.customer_id"
)


def _parent(
    session: Session, model: type[Customer] | type[Deal], tenant_id: uuid.UUID, id_: uuid.UUID | None, column: str
) -> Any:
    """A parent row's column, from the identity map or read (as the caller: what it may see of it)."""
    if id_ is None:
        return None
    found = session.identity_map.get(identity_key(model, (tenant_id, id_)))
    if found is not None and column in inspect(found).dict:
        return getattr(found, column)
    stmt = select(getattr(model, column)).where(model.tenant_id == tenant_id, model.id == id_)
    return session.execute(stmt).scalar()


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A new customer, contact, activity or stage change gets its `partner_ids` in the insert itself (a
    partner's insert must already pass its wall); what reaches further is left to `app.keep_reach` after the
    flush."""
    changes = Changes()
    placed: list[Partner] = []
    for row in session.new:
        if isinstance(row, Partner | Deal) and row.id is None:
            row.id = new_id()  # its column default, taken now: the changes below name it
        if isinstance(row, Customer):
            row.partner_ids = _ids(row.partner_id)  # a new customer has no deals yet
        elif isinstance(row, DealStageChange):
            row.partner_ids = _ids(_parent(session, Deal, row.tenant_id, row.deal_id, "partner_id"))
        elif isinstance(row, Contact):
            reached = _parent(session, Customer, row.tenant_id, row.customer_id, "partner_ids") or []
            row.partner_ids = sorted(set(_ids(row.partner_id)) | set(reached))
        elif isinstance(row, Activity):
            found = session.execute(
                ACTIVITY_REACH,
                {"tenant": row.tenant_id, "partner": row.partner_id, "deal": row.deal_id, "customer": row.customer_id},
            ).scalar()
            row.partner_ids = list(found or [])
        elif isinstance(row, Deal):
            if row.partner_id is not None:
                changes.deals.append(row.id)
        elif isinstance(row, Partner):
            placed.append(row)
        elif isinstance(row, Membership | Invitation):
            changes.users.append(row.user_id)
    for row in session.dirty:
        if isinstance(row, Deal) and _changed(row, "partner_id", "source", "customer_id"):
            changes.deals.append(row.id)
            changes.customers.extend(_old(row, "customer_id"))
        elif isinstance(row, Customer) and _changed(row, "partner_id"):
            changes.customers.append(row.id)
        elif isinstance(row, Contact) and _changed(row, "partner_id", "customer_id"):
            changes.contacts.append(row.id)
        elif isinstance(row, Activity) and _changed(row, "partner_id", "customer_id", "deal_id"):
            changes.activities.append(row.id)
        elif isinstance(row, Partner) and _changed(row, "parent_id"):
            placed.append(row)
        elif isinstance(row, Membership) and _changed(row, "partner_id"):
            changes.users.append(row.user_id)
        elif isinstance(row, LeadAssignment) and _changed(row, "status"):
            changes.leads.append(row.lead_id)
    for row in session.deleted:
        if isinstance(row, Deal):
            changes.customers.append(row.customer_id)  # what the deal's partner reached through it
    changes.partners = _placed_in_order(placed)
    pending = session.info.setdefault("reach", Changes())
    for name in Changes.__dataclass_fields__:
        getattr(pending, name).extend(getattr(changes, name))


DERIVED_BY_SQL = (Customer, Contact, Activity, DealStageChange, User, Invitation, LeadContact)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    changes = session.info.pop("reach", None)
    if changes:
        session.connection().execute(KEEP, changes.parameters())
        # The rows' `partner_ids` in memory may be stale now: read them again if anyone asks.
        for row in list(session.identity_map.values()):
            if isinstance(row, DERIVED_BY_SQL):
                session.expire(row, ["partner_ids"])
