"""Changes to a deal on the lean write path: a stage move and an update, each one statement on the driver
connection (`tenants.driver`) that reads what the checks need, locks the deal, checks the version the client
read, writes the change, its audit entry with the state before and after, and its events.

The statement writes only when every check passes; it returns what each check read, and the checks are then
made in the service's order with the service's errors (`tenants.records.lock_for_change`: a deal the caller
cannot see is NOT_FOUND, one it may not change FORBIDDEN, a stale version CONFLICT). A raised error rolls the
caller's transaction back. Neither change moves what the row policies read (partner, source, customer).
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Uuid, bindparam, case, func, literal, or_, select, true, update

from authz.principal import Principal
from tenants.audit.log import record_from
from tenants.base import current_tenant
from tenants.deals.models import Deal, PipelineStage
from tenants.deals.writes import check_fields, history_from, stages_json
from tenants.driver import Driver, Statement
from tenants.errors import BadInput, Conflict, Forbidden, NotFound
from tenants.identity.models import User
from tenants.outbox.events import emit_from
from tenants.sql_forms import constant

UPDATABLE = ("title", "amount", "currency", "expected_close_date", "probability", "owner_id", "internal_notes")


def _deal() -> tuple[Any, Any]:
    """The deal if the caller sees it, and the deal locked if the caller may change it (`FOR UPDATE` sees
    only what the update policies allow)."""
    deals = Deal.__table__
    deal_id = bindparam("deal_id", type_=Uuid())
    visible = select(deals.c.id).where(deals.c.tenant_id == current_tenant(), deals.c.id == deal_id)
    locked = (
        select(deals).where(deals.c.tenant_id == current_tenant(), deals.c.id == deal_id).with_for_update().cte("l")
    )
    return visible.scalar_subquery().label("visible"), locked


def _checked(found: Any, version: int) -> None:
    if found["visible"] is None:
        raise NotFound("no such deal")
    if found["locked_version"] is None:
        raise Forbidden("you may not change this deal")
    if found["locked_version"] != version:
        raise Conflict(
            f"this deal changed since you read it (version {version}, now {found['locked_version']}); reload and retry",
            field="version",
        )


def _actor(principal: Principal) -> dict[str, Any]:
    return {
        "audit_id": uuid.uuid4(),
        "history_id": uuid.uuid4(),
        "event_id": uuid.uuid4(),
        "actor_id": principal.user_id,
        "audience": str(principal.audience),
        "api_key_id": principal.api_key_id,
    }


@cache
def _move() -> Statement:
    deals = Deal.__table__
    visible, locked = _deal()
    stage = (
        select(PipelineStage.id, PipelineStage.kind, PipelineStage.probability)
        .where(PipelineStage.tenant_id == current_tenant(), PipelineStage.id == bindparam("stage_id", type_=Uuid()))
        .cte("s")
    )
    moved = (
        update(deals)
        .where(
            deals.c.tenant_id == current_tenant(),
            deals.c.id == locked.c.id,
            locked.c.version == bindparam("version", type_=deals.c.version.type),
            locked.c.status == constant("open"),
            stage.c.kind == constant("open"),
            locked.c.stage_id != stage.c.id,
        )
        .values(
            stage_id=stage.c.id, probability=stage.c.probability, version=deals.c.version + 1, updated_at=func.now()
        )
        .returning(*deals.c)
        .cte("u")
    )
    one = select(literal(1).label("one")).subquery("one")
    statement = (
        select(
            stage.c.id.label("stage"),
            stage.c.kind,
            visible,
            locked.c.version.label("locked_version"),
            locked.c.status.label("locked_status"),
            moved.c.id.label("moved"),
        )
        .select_from(one.outerjoin(stage, true()).outerjoin(locked, true()).outerjoin(moved, true()))
        .add_cte(
            history_from(moved, locked.c.stage_id).cte("h"),
            record_from("deal.move_stage", "Deal", Deal, moved, locked).cte("a"),
            emit_from("deal.stage_changed", "Deal", moved, stages_json(locked.c.stage_id, moved)).cte("o"),
        )
    )
    return Statement.of(statement)


async def move_stage(
    driver: Driver, principal: Principal, deal_id: uuid.UUID, version: int, stage_id: uuid.UUID
) -> uuid.UUID:
    """Move an open deal to another open stage (its history, audit entry and event); the same stage changes
    nothing. Returns the deal's id."""
    found = await _move().row(
        driver, {"deal_id": deal_id, "version": version, "stage_id": stage_id} | _actor(principal)
    )
    if found["stage"] is None:
        raise NotFound("no such pipeline stage")
    if found["kind"] != "open":
        raise BadInput("won and lost stages are reached with closeDeal", field="stageId")
    _checked(found, version)
    if found["locked_status"] != "open":
        raise Conflict("this deal is closed; reopen it by moving it from the vendor's side", field="id")
    return deal_id


@cache
def _update() -> Statement:
    deals = Deal.__table__
    visible, locked = _deal()
    owner = (
        select(User.id)
        .where(User.tenant_id == current_tenant(), User.id == bindparam("checked_owner", type_=Uuid()))
        .scalar_subquery()
    )
    values: dict[str, Any] = {
        name: case(
            (bindparam(f"set_{name}", type_=Boolean()), bindparam(name, type_=deals.c[name].type)),
            else_=deals.c[name],
        )
        for name in UPDATABLE
    }
    changed = (
        update(deals)
        .where(
            deals.c.tenant_id == current_tenant(),
            deals.c.id == locked.c.id,
            locked.c.version == bindparam("version", type_=deals.c.version.type),
            or_(bindparam("checked_owner", type_=Uuid()).is_(None), owner.is_not(None)),
        )
        .values(**values, version=deals.c.version + 1, updated_at=func.now())
        .returning(*deals.c)
        .cte("u")
    )
    one = select(literal(1).label("one")).subquery("one")
    statement = (
        select(owner.label("owner"), visible, locked.c.version.label("locked_version"), changed.c.id.label("changed"))
        .select_from(one.outerjoin(locked, true()).outerjoin(changed, true()))
        .add_cte(record_from("deal.update", "Deal", Deal, changed, locked).cte("a"))
    )
    return Statement.of(statement)


async def update_deal(
    driver: Driver, principal: Principal, deal_id: uuid.UUID, version: int, changes: dict[str, Any]
) -> uuid.UUID:
    """Change a deal's own fields (audited before and after). Returns the deal's id."""
    if "stage_id" in changes:
        raise BadInput("move stages with moveDealStage", field="stageId")
    check_fields(principal, changes)
    unknown = changes.keys() - set(UPDATABLE)
    if unknown:
        raise ValueError(f"not changed by update_deal: {', '.join(sorted(unknown))}")
    owner = changes.get("owner_id")
    values: dict[str, Any] = {"deal_id": deal_id, "version": version, "checked_owner": owner} | _actor(principal)
    for name in UPDATABLE:
        values[f"set_{name}"] = name in changes
        values[name] = changes.get(name)
    found = await _update().row(driver, values)
    if owner and found["owner"] is None:
        raise NotFound("no such owner")
    _checked(found, version)
    return deal_id
