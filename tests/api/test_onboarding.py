"""Partner onboarding through the graph: an application's review per audience, approval creating the
partner in ONBOARDING with its first admin invited, the versioned agreement whose acceptance makes the
partner ACTIVE, the partner admin's own users and keys, and the public form (off, on, rate limited)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from authz.principal import Principal
from schema.relay import to_global_id
from tenants.database import tenant_session
from tests.client import codes, gql
from tests.world import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

FIELDS = "id status version companyName domain kind territory origin rejectionReason partner { name status tier }"
PAYLOAD = "{ application { " + FIELDS + " } } }"
SUBMIT = "mutation($i: PartnerApplicationInput!) { submitPartnerApplication(input: $i) " + PAYLOAD
REVIEW = "mutation($id: ID!, $v: Int!) { startPartnerApplicationReview(id: $id, version: $v) " + PAYLOAD
REJECT = (
    "mutation($id: ID!, $v: Int!, $r: String!) { rejectPartnerApplication(id: $id, version: $v, reason: $r) " + PAYLOAD
)
APPROVE = (
    'mutation($id: ID!, $v: Int!) { approvePartnerApplication(id: $id, version: $v, tier: "silver") {'
    " application { " + FIELDS + " } partner { id name status kind territory tier } admin { email roles }"
    " invitationToken } }"
)
LIST = "query($s: PartnerApplicationStatus) { partnerApplications(first: 50, status: $s) { totalCount edges { node { companyName origin status } } } }"
PUBLISH = "mutation($t: String!, $b: String!) { publishPartnerAgreement(title: $t, body: $b) { version title } }"
CURRENT = "{ partnerAgreement { version title body } }"
ACCEPT = """mutation($v: Int!) { acceptPartnerAgreement(version: $v) {
    acceptance { version acceptedAt accepted_by: acceptedBy { email } partner { name } } partner { status } } }"""
ACCEPTANCES = "{ agreementAcceptances { version partner { name } acceptedBy { email } } }"
APPLY = "mutation($t: String!, $i: PartnerApplicationInput!) { applyAsPartner(tenant: $t, input: $i) { received } }"
SIGN_UP = 'mutation($t: String!, $k: String!) { acceptInvitation(tenant: $t, token: $k, password: "correct horse battery") { token } }'


def application(name: str = "Globex Resale", **extra) -> dict:
    domain = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}.example"
    return {
        "companyName": name,
        "domain": f"https://www.{domain}/about",
        "kind": "RESELLER",
        "territory": "EMEA",
        "contactName": "Gina Partner",
        "contactEmail": f"gina@{domain}",
    } | extra


async def events(sessions, tenant_id, entity_type: str) -> list[str]:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        rows = await s.execute(
            text("select event_type from app.outbox where entity_type = :e order by created_at"), {"e": entity_type}
        )
        return list(rows.scalars())


async def test_application_lifecycle_per_audience(client, sessions, world):
    made = await gql(client, SUBMIT, {"i": application()}, token=world.token("channel_manager"))
    assert "errors" not in made, made
    app_ = made["data"]["submitPartnerApplication"]["application"]
    assert (app_["status"], app_["origin"], app_["domain"], app_["partner"]) == (
        "APPLIED",
        "TEAM",
        app_["domain"],
        None,
    )
    assert app_["domain"].startswith("globex-") and "/" not in app_["domain"]
    # Who may see and decide: the channel team; not sales, support, partners or customers.
    before = await snapshot(sessions, world.tenant_id)
    for persona in ("sales_manager", "rep1", "support", "dist_admin", "sub_rep", "customer"):
        assert codes(await gql(client, LIST, token=world.token(persona))) == ["FORBIDDEN"], persona
        review = await gql(client, REVIEW, {"id": app_["id"], "v": 1}, token=world.token(persona))
        assert codes(review) == ["FORBIDDEN"], persona
        assert codes(await gql(client, SUBMIT, {"i": application()}, token=world.token(persona))) == ["FORBIDDEN"]
    assert codes(await gql(client, LIST)) == ["UNAUTHENTICATED"]
    assert await snapshot(sessions, world.tenant_id) == before
    listed = await gql(client, LIST, {"s": "APPLIED"}, token=world.token("admin"))
    assert [e["node"]["companyName"] for e in listed["data"]["partnerApplications"]["edges"]] == ["Globex Resale"]

    reviewed = await gql(client, REVIEW, {"id": app_["id"], "v": 1}, token=world.token("channel_manager"))
    assert reviewed["data"]["startPartnerApplicationReview"]["application"]["status"] == "IN_REVIEW"
    assert codes(await gql(client, APPROVE, {"id": app_["id"], "v": 1}, token=world.token("owner"))) == ["CONFLICT"]
    approved = await gql(client, APPROVE, {"id": app_["id"], "v": 2}, token=world.token("owner"))
    assert "errors" not in approved, approved
    result = approved["data"]["approvePartnerApplication"]
    assert result["application"]["status"] == "APPROVED"
    assert result["partner"] | {"id": None} == {
        "id": None,
        "name": "Globex Resale",
        "status": "ONBOARDING",
        "kind": "RESELLER",
        "territory": "EMEA",
        "tier": "silver",
    }
    assert result["admin"]["email"].startswith("gina@") and result["admin"]["roles"] == ["partner_admin"]
    assert len(result["invitationToken"]) > 20
    again = await gql(client, REJECT, {"id": app_["id"], "v": 3, "r": "late"}, token=world.token("owner"))
    assert codes(again) == ["CONFLICT"]

    other = (await gql(client, SUBMIT, {"i": application("Initrode")}, token=world.token("admin")))["data"]
    other_id = other["submitPartnerApplication"]["application"]["id"]
    no_reason = await gql(client, REJECT, {"id": other_id, "v": 1, "r": " "}, token=world.token("admin"))
    assert codes(no_reason) == ["BAD_USER_INPUT"]
    rejected = await gql(client, REJECT, {"id": other_id, "v": 1, "r": "no coverage"}, token=world.token("admin"))
    assert rejected["data"]["rejectPartnerApplication"]["application"]["rejectionReason"] == "no coverage"
    assert await events(sessions, world.tenant_id, "PartnerApplication") == [
        "partner_application.submitted",
        "partner_application.approved",
        "partner_application.submitted",
        "partner_application.rejected",
    ]
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        audited = await s.execute(
            text("select action from app.audit_log where entity_type = 'PartnerApplication' order by at")
        )
        assert "partner_application.approve" in list(audited.scalars())


async def test_agreement_acceptance_activates_the_partner(client, sessions, world):
    made = (await gql(client, SUBMIT, {"i": application("Hooli")}, token=world.token("channel_manager")))["data"]
    gid = made["submitPartnerApplication"]["application"]["id"]
    approved = (await gql(client, APPROVE, {"id": gid, "v": 1}, token=world.token("channel_manager")))["data"]
    signed_up = await gql(
        client, SIGN_UP, {"t": world.slug, "k": approved["approvePartnerApplication"]["invitationToken"]}
    )
    admin = signed_up["data"]["acceptInvitation"]["token"]
    assert (await gql(client, CURRENT, token=admin))["data"]["partnerAgreement"] is None
    assert codes(await gql(client, ACCEPT, {"v": 1}, token=admin)) == ["CONFLICT"]  # nothing published yet
    assert codes(await gql(client, PUBLISH, {"t": "Terms", "b": "v1"}, token=admin)) == ["FORBIDDEN"]
    for text_ in ("First terms", "Second terms"):
        published = await gql(client, PUBLISH, {"t": "Partner terms", "b": text_}, token=world.token("admin"))
        assert "errors" not in published, published
    assert (await gql(client, CURRENT, token=admin))["data"]["partnerAgreement"]["body"] == "Second terms"
    assert codes(await gql(client, ACCEPT, {"v": 1}, token=admin)) == ["CONFLICT"]  # not the current version
    rep_token = world.token("dist_rep")
    assert codes(await gql(client, ACCEPT, {"v": 2}, token=rep_token)) == ["FORBIDDEN"]  # reps do not sign
    accepted = await gql(client, ACCEPT, {"v": 2}, token=admin)
    assert "errors" not in accepted, accepted
    result = accepted["data"]["acceptPartnerAgreement"]
    assert result["partner"]["status"] == "ACTIVE"
    assert result["acceptance"]["version"] == 2 and result["acceptance"]["partner"] == {"name": "Hooli"}
    assert result["acceptance"]["accepted_by"]["email"].startswith("gina@")
    again = await gql(client, ACCEPT, {"v": 2}, token=admin)  # idempotent
    assert again["data"]["acceptPartnerAgreement"]["acceptance"]["acceptedAt"] == result["acceptance"]["acceptedAt"]
    signer = await gql(
        client,
        'mutation { createApiKey(input: {name: "signer", audience: PARTNER, roles: ["partner_admin"]}) { token } }',
        token=admin,
    )
    keyed = f"Bearer {signer['data']['createApiKey']['token']}"
    assert codes(await gql(client, ACCEPT, {"v": 2}, authorization=keyed)) == ["FORBIDDEN"]  # a person signs
    seen = (await gql(client, ACCEPTANCES, token=world.token("owner")))["data"]["agreementAcceptances"]
    assert [(a["version"], a["partner"]["name"]) for a in seen] == [(2, "Hooli")]
    assert (await gql(client, ACCEPTANCES, token=world.token("dist_admin")))["data"]["agreementAcceptances"] == []
    assert await events(sessions, world.tenant_id, "Partner") == ["partner.status_changed"]

    # The partner admin runs its own team: invites and deactivates its users, issues partner keys.
    invited = await gql(
        client,
        'mutation { inviteUser(input: {email: "sam@hooli.example", name: "Sam", audience: PARTNER,'
        ' roles: ["partner_rep"]}) { user { id } invitationToken } }',
        token=admin,
    )
    assert "errors" not in invited, invited
    user_id = invited["data"]["inviteUser"]["user"]["id"]
    key = await gql(
        client,
        'mutation { createApiKey(input: {name: "CRM sync", audience: PARTNER, roles: ["partner_rep"]}) { token } }',
        token=admin,
    )
    assert key["data"]["createApiKey"]["token"].startswith("cg_")
    revoked = await gql(
        client, "mutation($u: ID!) { revokeAccess(userId: $u) { user { active } } }", {"u": user_id}, token=admin
    )
    assert revoked["data"]["revokeAccess"]["user"]["active"] is False
    foreign = await gql(
        client,
        "mutation($u: ID!) { revokeAccess(userId: $u) { user { active } } }",
        {"u": to_global_id("User", world.people["rep1"].user_id)},
        token=admin,
    )
    assert codes(foreign) == ["NOT_FOUND"]


async def set_public(sessions, tenant_id, on: bool) -> None:
    async with tenant_session(sessions, Principal.platform(None)) as s:
        await s.execute(
            text("update platform.tenants set public_applications = :on where id = :t"), {"on": on, "t": tenant_id}
        )


async def test_public_form_enabled_and_disabled(client, sessions, new_tenant):
    tenant = await new_tenant("apply")
    form = application("Pied Piper")
    assert codes(await gql(client, APPLY, {"t": tenant.slug, "i": form})) == ["FORBIDDEN"]
    assert codes(await gql(client, APPLY, {"t": "no-such-vendor", "i": form})) == ["NOT_FOUND"]
    await set_public(sessions, tenant.id, True)
    received = await gql(client, APPLY, {"t": tenant.slug, "i": form})
    assert received["data"] == {"applyAsPartner": {"received": True}}
    duplicate = await gql(client, APPLY, {"t": tenant.slug, "i": form | {"contactName": "Someone Else"}})
    assert codes(duplicate) == ["CONFLICT"]
    bad = await gql(client, APPLY, {"t": tenant.slug, "i": application("Bad", contactEmail="not-an-email")})
    assert codes(bad) == ["BAD_USER_INPUT"]
    async with tenant_session(sessions, Principal.system(tenant.id), read_only=True) as s:
        rows = (await s.execute(text("select company_name, origin, status from app.partner_applications"))).all()
    assert [tuple(r) for r in rows] == [("Pied Piper", "public", "applied")]
    assert await events(sessions, tenant.id, "PartnerApplication") == ["partner_application.submitted"]


async def test_public_form_is_rate_limited_per_client_and_tenant(client, sessions, new_tenant):
    first, second = await new_tenant("apply-a"), await new_tenant("apply-b")
    for tenant in (first, second):
        await set_public(sessions, tenant.id, True)
    outcomes = [codes(await gql(client, APPLY, {"t": first.slug, "i": application(f"Co{i}")})) for i in range(7)]
    assert outcomes == [[]] * 5 + [["RATE_LIMITED"]] * 2
    # Another tenant's form has its own bucket.
    assert codes(await gql(client, APPLY, {"t": second.slug, "i": application("Elsewhere")})) == []
    async with tenant_session(sessions, Principal.system(first.id), read_only=True) as s:
        assert (await s.execute(text("select count(*) from app.partner_applications"))).scalar() == 5
