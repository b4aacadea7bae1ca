"""The lean write path of deals: Core statements on the driver connection, one round trip per change.

`create_deal` checks what the service always checked, in its order, and writes the deal, its stage history,
its audit entry and its outbox event in one statement: the lookups (customer, partner, owner, stage, the
tenant's currency) are a CTE the INSERT reads, so a missing row writes nothing and the statement says which
one was missing. Everything runs as the caller, under its row policies, in the caller's transaction; a raised
error rolls that transaction back with whatever the statement wrote. What the row policies read
(`tenants.reach`) is kept here as the ORM hook keeps it: the stage history carries the deal's partner, and a
deal given a partner is handed to `app.keep_reach`.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import array

from authz.principal import Audience, Principal
from tenants.audit.log import record_from
from tenants.base import current_tenant
from tenants.customers.models import Customer
from tenants.deals.models import DEAL_SOURCES, Deal, DealStageChange, PipelineStage
from tenants.driver import Driver, Statement
from tenants.errors import BadInput, Conflict, NotFound
from tenants.identity.models import User
from tenants.money import check_amount, check_currency
from tenants.outbox.events import emit_from
from tenants.partners.models import Partner
from tenants.platform.models import Tenant
from tenants.sql_forms import constant

PARTNER_EDITABLE = {"title", "amount", "currency", "expected_close_date", "probability"}
_CREATE_KEYS = PARTNER_EDITABLE | {"customer_id", "partner_id", "source", "stage_id"}
KEEP_DEAL = (
    "select app.keep_reach('{}'::uuid[], '{}'::uuid[], array[$1::uuid], '{}'::uuid[], '{}'::uuid[],"
    " '{}'::uuid[], '{}'::uuid[])"
)


def check_fields(principal: Principal, fields: dict[str, Any]) -> None:
    """The checks of a deal's fields that need no database, in the service's order."""
    if principal.audience is Audience.PARTNER and fields.keys() - _CREATE_KEYS:
        raise BadInput(f"partners may change only: {', '.join(sorted(PARTNER_EDITABLE))}", field="input")
    if "title" in fields and not (fields["title"] or "").strip():
        raise BadInput("title must not be empty", field="title")
    check_amount(fields.get("amount"))
    check_currency(fields.get("currency"))
    if fields.get("probability") is not None and not 0 <= fields["probability"] <= 100:
        raise BadInput("probability is a percentage, 0 to 100", field="probability")
    if fields.get("source") is not None and fields["source"] not in DEAL_SOURCES:
        raise BadInput(f"source must be one of {', '.join(DEAL_SOURCES)}", field="source")


def _param(name: str, column: Any) -> Any:
    return bindparam(name, type_=column.type)


def _visible(model: Any, name: str) -> Any:
    """The id of the row `name` names, if the caller may see it (null otherwise, or when `name` is null)."""
    return (
        select(model.id)
        .where(model.tenant_id == current_tenant(), model.id == bindparam(name, type_=Uuid()))
        .scalar_subquery()
    )


def history_from(row: Any, from_stage: Any) -> Any:
    """The stage history row of each deal in `row` (a CTE's RETURNING), carrying the deal's partner for the
    row policies (`tenants.reach`); its id and author are the parameters `history_id` and `actor_id`."""
    reach = case((row.c.partner_id.is_(None), literal_column("'{}'::uuid[]")), else_=array([row.c.partner_id]))
    return insert(DealStageChange.__table__).from_select(
        ["tenant_id", "id", "deal_id", "from_stage_id", "to_stage_id", "changed_by", "partner_ids"],
        select(
            row.c.tenant_id,
            bindparam("history_id", type_=Uuid()),
            row.c.id,
            from_stage,
            row.c.stage_id,
            bindparam("actor_id", type_=Uuid()),
            reach,
        ),
        include_defaults=False,
    )


def stages_json(from_stage: Any, row: Any) -> Any:
    """A stage event's payload: the stages as text (`_stage_changed` in the service writes the same)."""
    return func.jsonb_build_object(
        constant("from_stage_id"), cast(from_stage, Text), constant("to_stage_id"), cast(row.c.stage_id, Text)
    )


@cache
def _create() -> Statement:
    deals = Deal.__table__
    stage = (
        select(PipelineStage.id, PipelineStage.kind, PipelineStage.probability)
        .where(
            PipelineStage.tenant_id == current_tenant(),
            or_(
                and_(bindparam("stage_id", type_=Uuid()).is_(None), PipelineStage.kind == constant("open")),
                PipelineStage.id == bindparam("stage_id", type_=Uuid()),
            ),
        )
        .order_by(PipelineStage.position)
        .limit(1)
        .lateral("s")
    )
    k = (
        select(
            _visible(Customer, "customer_id").label("customer"),
            _visible(Partner, "checked_partner").label("partner"),
            _visible(User, "checked_owner").label("owner"),
            stage.c.id.label("stage"),
            stage.c.kind,
            stage.c.probability,
            select(Tenant.default_currency)
            .where(Tenant.id == current_tenant())
            .scalar_subquery()
            .label("tenant_currency"),
        )
        .select_from(select(literal(1).label("one")).subquery("one").outerjoin(stage, true()))
        .cte("k")
    )
    partner = _param("partner_id", deals.c.partner_id)
    owner_checked = bindparam("checked_owner", type_=Uuid())
    created = (
        insert(deals)
        .from_select(
            [
                "tenant_id",
                "id",
                "title",
                "customer_id",
                "partner_id",
                "source",
                "stage_id",
                "amount",
                "currency",
                "expected_close_date",
                "probability",
                "owner_id",
                "status",
                "internal_notes",
            ],
            select(
                current_tenant(),
                _param("id", deals.c.id),
                _param("title", deals.c.title),
                k.c.customer,
                partner,
                func.coalesce(_param("source", deals.c.source), constant("direct")),
                k.c.stage,
                func.coalesce(_param("amount", deals.c.amount), 0),
                func.coalesce(_param("currency", deals.c.currency), k.c.tenant_currency),
                _param("expected_close_date", deals.c.expected_close_date),
                func.coalesce(_param("probability", deals.c.probability), k.c.probability),
                _param("owner_id", deals.c.owner_id),
                constant("open"),
                _param("internal_notes", deals.c.internal_notes),
            ).where(
                k.c.customer.is_not(None),
                or_(bindparam("checked_partner", type_=Uuid()).is_(None), k.c.partner.is_not(None)),
                or_(owner_checked.is_(None), k.c.owner.is_not(None)),
                k.c.kind == constant("open"),
                bindparam("sourced", type_=Boolean()),
            ),
            include_defaults=False,
        )
        .returning(*deals.c)
        .cte("d")
    )
    history = history_from(created, null())
    audit = record_from("deal.create", "Deal", Deal, created)
    stages = func.jsonb_build_object(
        constant("from_stage_id"), null(), constant("to_stage_id"), cast(created.c.stage_id, Text)
    )
    event = emit_from(
        "deal.created", "Deal", created, stages.op("||")(func.jsonb_build_object(constant("title"), created.c.title))
    )
    statement = (
        select(k.c.customer, k.c.partner, k.c.owner, k.c.stage, k.c.kind, *created.c)
        .select_from(k.outerjoin(created, true()))
        .add_cte(history.cte("h"), audit.cte("a"), event.cte("o"))
    )
    return Statement.of(statement)


async def create_deal(driver: Driver, principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
    """A new open deal as the caller (the service's checks and errors); returns its columns as written."""
    fields = dict(fields)
    check_fields(principal, fields)
    checked_partner, checked_owner = fields.get("partner_id"), fields.get("owner_id")
    if principal.audience is Audience.PARTNER:
        if fields.get("partner_id") is None:
            fields["partner_id"] = principal.partner_id
        fields.setdefault("source", "partner_sourced")
    elif principal.audience is Audience.VENDOR:
        fields.setdefault("owner_id", principal.user_id)
    sourced = fields.get("source", "direct") == "direct" or bool(fields.get("partner_id"))
    deal_id = uuid.uuid4()
    values = {
        "id": deal_id,
        "title": fields.get("title"),
        "customer_id": fields.get("customer_id"),
        "partner_id": fields.get("partner_id"),
        "checked_partner": checked_partner,
        "checked_owner": checked_owner,
        "owner_id": fields.get("owner_id"),
        "stage_id": fields.get("stage_id"),
        "source": fields.get("source"),
        "amount": fields.get("amount"),
        "currency": fields.get("currency") or None,
        "expected_close_date": fields.get("expected_close_date"),
        "probability": fields.get("probability"),
        "internal_notes": fields.get("internal_notes"),
        "sourced": sourced,
        "history_id": uuid.uuid4(),
        "audit_id": uuid.uuid4(),
        "event_id": uuid.uuid4(),
        "actor_id": principal.user_id,
        "audience": str(principal.audience),
        "api_key_id": principal.api_key_id,
    }
    found = await _create().row(driver, values)
    # The service's order: customer, partner, owner, the customer required, partner-sourced, then the stage.
    if fields.get("customer_id") and found["customer"] is None:
        raise NotFound("no such customer")
    if checked_partner and found["partner"] is None:
        raise NotFound("no such partner")
    if checked_owner and found["owner"] is None:
        raise NotFound("no such owner")
    if not fields.get("customer_id"):
        raise BadInput("a deal needs a customer", field="customerId")
    if not sourced:
        raise BadInput("a partner-sourced or -influenced deal names its partner", field="partnerId")
    if found["stage"] is None:
        if fields.get("stage_id"):
            raise NotFound("no such pipeline stage")
        raise Conflict("the pipeline has no open stage")
    if found["kind"] != "open":
        raise BadInput("a new deal starts in an open stage; close it with closeDeal", field="stageId")
    if found["id"] is None:  # every check passed: the insert cannot have found nothing to write
        raise RuntimeError("the deal was not written")
    if fields.get("partner_id") is not None:
        await driver.fetchval(KEEP_DEAL, deal_id)
    return {column.key: found[column.name] for column in Deal.__table__.columns}
