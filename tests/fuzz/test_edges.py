"""The values the fuzzer found, pinned: hostile text, numbers at the edges and page sizes out of bounds are
BAD_USER_INPUT naming the argument, on both read paths, and change nothing."""

from __future__ import annotations

import pytest

from tests.client import codes, gql
from tests.world import snapshot

NUL = "a\u0000b"
HOSTILE_TEXT = [
    NUL,
    "x\ufffe",
    "x\uffff",
    "x\U0010ffff",
    "x\ufdd0",
    "bell\u0007",
    "\u001b[31m",
    "x" * 201,
    "x" * 900_000,
]
# Unpaired surrogates do not survive the HTTP edge's JSON parser, and a body over 1 MB is refused there.
REFUSED_AT_THE_EDGE = ["a\ud800b", "a\udfffb", "x" * 1_000_001]
CREATE_CUSTOMER = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }"
CREATE_DEAL = """mutation($input: CreateDealInput!) { createDeal(input: $input) { deal { id } } }"""


def refused_argument(body: dict, field: str) -> None:
    assert body["_status"] == 200, body
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == field, body
    assert body.get("data") is None  # a request error: no data entry, or data null


async def test_hostile_text_in_a_mutation_is_refused_naming_the_field(client, sessions, world):
    before = await snapshot(sessions, world.tenant_id)
    for i, text in enumerate(HOSTILE_TEXT):
        body = await gql(client, CREATE_CUSTOMER, {"input": {"name": text}}, token=world.token("owner"))
        refused_argument(body, "name")
        assert len(str(body)) < 2_000, i  # the refusal does not echo the value back
    for text in REFUSED_AT_THE_EDGE:
        body = await gql(client, CREATE_CUSTOMER, {"input": {"name": text}}, token=world.token("owner"))
        assert body["_status"] in (400, 413) and codes(body) == ["BAD_USER_INPUT"], body["_status"]
    # Tighter where the domain says, at any depth: an email, a domain; names in lists are checked one by one.
    cases = [
        ({"name": "ok", "domain": "d" * 254}, "domain"),
        ({"name": "ok", "industry": "i" * 1_001}, "industry"),
    ]
    for given, field in cases:
        refused_argument(await gql(client, CREATE_CUSTOMER, {"input": given}, token=world.token("owner")), field)
    invite = "mutation($i: InviteUserInput!) { inviteUser(input: $i) { user { id } } }"
    body = await gql(
        client,
        invite,
        {"i": {"email": "e" * 250 + "@x.io", "name": "n", "audience": "VENDOR", "roles": ["support"]}},
        token=world.token("owner"),
    )
    refused_argument(body, "email")
    body = await gql(
        client,
        invite,
        {"i": {"email": "ok@x.io", "name": "n", "audience": "VENDOR", "roles": ["support", "a\u0000"]}},
        token=world.token("owner"),
    )
    refused_argument(body, "roles")
    assert body["errors"][0]["message"].startswith("input.roles[1]: ")
    assert await snapshot(sessions, world.tenant_id) == before


def test_a_declared_maximum_wins_over_the_default():
    from schema.arguments import LIMIT
    from schema.schema import build_schema

    schema = build_schema(introspection=False)._schema
    problems = schema.type_map["TransferJob"].fields["problems"].args["first"]
    assert problems.extensions["strawberry-definition"].metadata[LIMIT] == 1000


def test_the_argument_layer_refuses_surrogates_too():
    """Should a transport ever let them through (another JSON parser), the one check still refuses them."""
    from schema.arguments import check_text
    from schema.errors import CodedError

    for text in ("a\ud800b", "\udfff", "ok\udbff"):
        with pytest.raises(CodedError):
            check_text(text, 100, "name")
    check_text("tab\tline\nreturn\r emoji \U0001f600 ünïcödé", 100, "name")


async def test_nul_in_a_literal_and_in_every_kind_of_argument(client, reference, world):
    owner = world.token("owner")
    cases = [
        ('{ customers(filter: {search: "a\\u0000b"}) { totalCount } }', None, "search"),
        ("query($s: String) { customers(filter: {search: $s}) { totalCount } }", {"s": NUL}, "search"),
        ("query($s: String) { deals(filter: {search: $s}) { edges { cursor } } }", {"s": NUL}, "search"),
        ('{ deals(after: "a\\u0000") { totalCount } }', None, "after"),
        ('{ deal(id: "RGVhbDo\\u0000") { id } }', None, "id"),
    ]
    for document, variables, field in cases:
        for http in (client, reference):
            refused_argument(await gql(http, document, variables, token=owner), field)
    body = await gql(
        client, 'mutation($t: String!) { signIn(tenant: $t, email: "a@b.c", password: "x") { token } }', {"t": NUL}
    )
    refused_argument(body, "tenant")


AMOUNTS = ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1e1000", "99999999999999999999999999999999.99", "1e16"]


async def test_decimals_at_the_edges_are_refused(client, reference, sessions, world):
    from schema.relay import to_global_id

    before = await snapshot(sessions, world.tenant_id)
    customer_id = to_global_id("Customer", world.customers["direct"])
    for amount in AMOUNTS:
        body = await gql(
            client,
            CREATE_DEAL,
            {"input": {"title": "t", "customerId": customer_id, "amount": amount}},
            token=world.token("owner"),
        )
        refused_argument(body, "amount")
        for http in (client, reference):
            body = await gql(
                http,
                "query($a: Decimal) { deals(filter: {amountMin: $a}) { totalCount } }",
                {"a": amount},
                token=world.token("owner"),
            )
            refused_argument(body, "amountMin")
    assert await snapshot(sessions, world.tenant_id) == before


async def test_the_largest_amount_that_fits_is_accepted(client, world):
    from schema.relay import to_global_id

    customer_id = to_global_id("Customer", world.customers["direct"])
    body = await gql(
        client,
        CREATE_DEAL,
        {"input": {"title": "t", "customerId": customer_id, "amount": "9999999999999999.99"}},
        token=world.token("owner"),
    )
    assert "errors" not in body, body


PAGES = [
    ("{ transferJobs(first: -1) { id } }", "first"),
    ("{ transferJobs(first: 101) { id } }", "first"),
    ("{ customers(first: -1) { totalCount } }", "first"),
    ("{ customers(first: 101) { totalCount } }", "first"),
    ("{ customers(last: -1) { totalCount } }", "last"),
    ("{ customers(first: 1) { edges { node { contacts(first: -1) { id } } } } }", "first"),
    ("{ customers(first: 1) { edges { node { contacts(first: 1000) { id } } } } }", "first"),
    ("{ customers(first: 2147483648) { totalCount } }", None),
]


async def test_page_sizes_are_bounded_on_both_paths(client, reference, world):
    for document, field in PAGES:
        answers = [await gql(http, document, token=world.token("owner")) for http in (client, reference)]
        for body in answers:
            assert codes(body) == ["BAD_USER_INPUT"], (document, body)
            if field is not None:
                assert body["errors"][0]["extensions"]["field"] == field
        assert answers[0] == answers[1], document


async def test_revenue_up_to_the_last_representable_day(client, reference, world):
    """Found by the fuzzer: the range ending on 9999-12-31 was INTERNAL (the day after it is no Python date)."""
    for period in ("MONTH", "YEAR"):
        for root in ("revenueBySource", "revenueByPartner"):
            document = f'{{ {root}(period: {period}, from: "9999-12-31", to: "9999-12-31") {{ __typename }} }}'
            body = await gql(client, document, token=world.token("owner"))
            assert body.get("data") == {root: []}, body
