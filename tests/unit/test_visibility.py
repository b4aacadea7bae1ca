"""Every field says who may read it, and the masks follow from that one declaration.

The reviewed list of who may read what is committed (`readable_fields.txt`, one line per field: the personas
that may read it). A change to any declaration shows up here as a diff to review; regenerate the file with
`CHANNELGRAPH_UPDATE_READABLE=1 pytest tests/unit/test_visibility.py` when the change is intended.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import strawberry

from authz import actions as a
from authz.enforcer import Authorizer, Decisions
from authz.principal import Audience, Principal
from schema.graph.entities import Undeclared, entity
from schema.graph.fields import column
from schema.graph.readers import TENANT, VENDOR
from schema.schema import Schema, build_schema
from tenants.customers.models import Customer as CustomerRow

LISTING = Path(__file__).with_name("readable_fields.txt")
TENANT_ID = uuid.UUID("00000000-0000-0000-0000-00000000000a")
PERSONAS = {
    "owner": (Audience.VENDOR, "owner"),
    "admin": (Audience.VENDOR, "admin"),
    "channel_manager": (Audience.VENDOR, "channel_manager"),
    "sales_manager": (Audience.VENDOR, "sales_manager"),
    "sales_rep": (Audience.VENDOR, "sales_rep"),
    "support": (Audience.VENDOR, "support"),
    "partner_admin": (Audience.PARTNER, "partner_admin"),
    "partner_rep": (Audience.PARTNER, "partner_rep"),
    "customer_user": (Audience.CUSTOMER, "customer_user"),
    "platform_admin": (Audience.PLATFORM, "platform_admin"),
    "anonymous": (Audience.ANONYMOUS, None),
}


@pytest.fixture(scope="module")
def schema():
    return build_schema(introspection=True)


def decisions(name: str) -> Decisions:
    audience, role = PERSONAS[name]
    if audience is Audience.ANONYMOUS:
        who = Principal.anonymous()
    elif audience is Audience.PLATFORM:
        who = Principal.platform(uuid.uuid4())
    else:
        who = Principal(
            audience,
            user_id=uuid.uuid4(),
            tenant_id=TENANT_ID,
            roles=frozenset({role}),
            partner_id=uuid.uuid4() if audience is Audience.PARTNER else None,
            customer_id=uuid.uuid4() if audience is Audience.CUSTOMER else None,
        )
    authorizer = Authorizer()
    return Decisions(who, authorizer.policy_for(who.tenant_id, who.policy_version, None))


def readable(schema, name: str) -> dict[str, list[str]]:
    d = decisions(name)
    return schema.visibility.readable(d.principal.audience, d.allows)


def listing(schema) -> str:
    by_persona = {name: readable(schema, name) for name in PERSONAS}
    lines = []
    for type_name, field_name in sorted(schema.visibility.readers):
        who = [name for name in PERSONAS if field_name in by_persona[name].get(type_name, [])]
        lines.append(f"{type_name}.{field_name}: {' '.join(who) or '-'}")
    return "\n".join(lines) + "\n"


def test_who_reads_what_is_the_reviewed_list(schema):
    found = listing(schema)
    if os.environ.get("CHANNELGRAPH_UPDATE_READABLE"):
        LISTING.write_text(found)
    expected = LISTING.read_text()
    changed = sorted(set(found.splitlines()) ^ set(expected.splitlines()))
    assert found == expected, "readers changed (review, then regenerate the listing):\n" + "\n".join(changed)


def test_customers_read_a_short_allow_list_of_a_deal(schema):
    assert sorted(readable(schema, "customer_user")["Deal"]) == sorted(
        ["id", "title", "stage", "amount", "expectedCloseDate", "status", "customer"]
    )
    partner = readable(schema, "partner_rep")
    assert "internalNotes" not in partner["Deal"] and "owner" not in partner["Deal"]
    assert "owner" not in partner["Customer"] and "users" in partner["Partner"]


def test_vendors_read_every_tenant_field_their_actions_allow(schema):
    owner = readable(schema, "owner")
    assert {"internalNotes", "owner", "stageHistory"} <= set(owner["Deal"])
    assert "Tenant" not in owner  # the platform's
    assert set(readable(schema, "platform_admin")) >= {"Tenant", "Viewer"}
    assert "Deal" not in readable(schema, "platform_admin")


def test_anonymous_callers_read_only_what_public_operations_return(schema):
    reachable = readable(schema, "anonymous")
    assert "SignInPayload" in reachable and "ApplyAsPartnerPayload" in reachable
    assert not {"Deal", "Customer", "Partner", "User", "Viewer"} & set(reachable)


@strawberry.type
class Careless:
    """A throwaway type whose field says nothing about who may read it."""

    leak: str


@strawberry.type
class CarelessQuery:
    @strawberry.field
    def careless(self) -> Careless:
        return Careless(leak="secret")


def test_a_field_without_readers_refuses_the_schema():
    with pytest.raises(Undeclared, match=r"Careless\.leak"):
        Schema(query=CarelessQuery)


def test_an_entity_field_without_readers_refuses_its_type():
    with pytest.raises(Undeclared, match=r"ThrowawayCustomer\.name"):

        @entity(CustomerRow, readers=TENANT, action=a.CUSTOMER_READ, name="ThrowawayCustomer", node=False)
        class ThrowawayCustomer:
            name: str = strawberry.field()


def test_a_field_is_never_wider_than_its_type():
    with pytest.raises(Undeclared, match="wider"):

        @entity(CustomerRow, readers=VENDOR, action=a.CUSTOMER_READ, name="NarrowCustomer", node=False)
        class NarrowCustomer:
            name: str = column(TENANT)
