"""Authorization decisions without a database: roles, default policy, tenant lines, caches."""

from __future__ import annotations

import uuid

import pytest

from authz import actions as a
from authz.actions import ALL_ACTIONS, Action, parse
from authz.enforcer import Authorizer, Decisions, PolicySet
from authz.errors import Forbidden
from authz.policy import DEFAULT_POLICY_LINES, check_tenant_line, read_lines
from authz.principal import Audience, Principal
from authz.roles import ALL_ROLES, ROLES_BY_AUDIENCE, validate_roles

TENANT = uuid.UUID("00000000-0000-0000-0000-00000000000a")
OTHER_TENANT = uuid.UUID("00000000-0000-0000-0000-00000000000b")


@pytest.fixture(scope="module")
def authorizer() -> Authorizer:
    return Authorizer()


def principal(audience: Audience, *roles: str, tenant: uuid.UUID = TENANT) -> Principal:
    return Principal(
        audience,
        user_id=uuid.uuid4(),
        tenant_id=tenant,
        roles=frozenset(roles),
        partner_id=uuid.uuid4() if audience is Audience.PARTNER else None,
        customer_id=uuid.uuid4() if audience is Audience.CUSTOMER else None,
    )


def decide(authorizer: Authorizer, who: Principal) -> Decisions:
    return Decisions(who, authorizer.policy_for(who.tenant_id, who.policy_version, None))


def actions_of(spec: dict[str, str]) -> set[Action]:
    return {Action(obj, act) for obj, acts in spec.items() for act in acts.split()}


def line(role: str, obj: str, act: str, eft: str = "allow", tenant: uuid.UUID = TENANT) -> tuple[str, ...]:
    return ("p", role, str(tenant), obj, act, eft)


EVERYTHING_IN_A_TENANT = {
    "user": "read invite assign_roles revoke",
    "api_key": "read create revoke",
    "partner": "read create update archive",
    "customer": "read create update archive read_owner",
    "contact": "read create update archive",
    "deal": "read create update archive move_stage close assign_partner read_internal read_owner read_detail",
    "pipeline": "read",
    "pipeline_stage": "read",
    "activity": "read create",
    "audit_log": "read",
    "policy": "read update",
    "webhook": "read manage",
    "transfer": "import export read",
}
VENDOR_READS = {obj: "read" for obj in ("user", "partner", "contact", "pipeline", "pipeline_stage", "activity")}

# Written out independently of default_policy.csv: what each role may do, and nothing more.
EXPECTED: dict[tuple[Audience, str], set[Action]] = {
    (Audience.VENDOR, "owner"): actions_of(EVERYTHING_IN_A_TENANT),
    (Audience.VENDOR, "admin"): actions_of(EVERYTHING_IN_A_TENANT),
    (Audience.VENDOR, "channel_manager"): actions_of(
        {
            **VENDOR_READS,
            "partner": "read create update archive",
            "customer": "read create update read_owner",
            "contact": "read create update",
            "deal": "read create update move_stage close assign_partner read_internal read_owner read_detail",
            "activity": "read create",
            "transfer": "export read",
        }
    ),
    (Audience.VENDOR, "sales_manager"): actions_of(
        {
            **VENDOR_READS,
            "customer": "read create update archive read_owner",
            "contact": "read create update archive",
            "deal": "read create update archive move_stage close assign_partner read_internal read_owner read_detail",
            "activity": "read create",
            "transfer": "export read",
        }
    ),
    (Audience.VENDOR, "sales_rep"): actions_of(
        {
            **VENDOR_READS,
            "customer": "read create update read_owner",
            "contact": "read create update",
            "deal": "read create update move_stage close read_internal read_owner read_detail",
            "activity": "read create",
        }
    ),
    # Support also reads deal and customer owners (a project decision after the first policy).
    (Audience.VENDOR, "support"): actions_of(
        {
            "user": "read",
            "partner": "read",
            "customer": "read read_owner",
            "contact": "read",
            "deal": "read read_detail read_internal read_owner",
            "pipeline_stage": "read",
            "activity": "read create",
        }
    ),
    (Audience.PARTNER, "partner_admin"): actions_of(
        {
            "partner": "read update",
            "customer": "read create",
            "contact": "read create update",
            "deal": "read update move_stage read_detail",
            "pipeline_stage": "read",
            "activity": "read create",
            "user": "read invite revoke",
            "api_key": "read create revoke",
        }
    ),
    (Audience.PARTNER, "partner_rep"): actions_of(
        {
            "partner": "read",
            "customer": "read",
            "contact": "read create",
            "deal": "read update move_stage read_detail",
            "pipeline_stage": "read",
            "activity": "read create",
            "user": "read",
        }
    ),
    (Audience.CUSTOMER, "customer_user"): actions_of(
        {"customer": "read", "contact": "read", "deal": "read", "pipeline_stage": "read"}
    ),
    (Audience.SYSTEM, "system"): actions_of(EVERYTHING_IN_A_TENANT),
}

# Deal registration and channel attribution: partners submit and read their own, the channel team decides.
CHANNEL_TEAM = actions_of({"registration": "read approve reject extend", "attribution": "read"})
for _key, _extra in {
    (Audience.VENDOR, "owner"): CHANNEL_TEAM,
    (Audience.VENDOR, "admin"): CHANNEL_TEAM,
    (Audience.VENDOR, "channel_manager"): CHANNEL_TEAM,
    (Audience.VENDOR, "sales_manager"): actions_of({"registration": "read", "attribution": "read"}),
    (Audience.PARTNER, "partner_admin"): actions_of({"registration": "read submit"}),
    (Audience.PARTNER, "partner_rep"): actions_of({"registration": "read submit"}),
    (Audience.SYSTEM, "system"): actions_of(
        {"registration": "read submit approve reject extend", "attribution": "read"}
    ),
}.items():
    EXPECTED[_key] = EXPECTED[_key] | _extra

# Partner onboarding and lead distribution: the channel team reviews and routes, partners answer offers.
ONBOARDING_TEAM = actions_of(
    {"partner_application": "read create review", "agreement": "read update", "lead": "read create assign"}
)
for _key, _extra in {
    (Audience.VENDOR, "owner"): ONBOARDING_TEAM,
    (Audience.VENDOR, "admin"): ONBOARDING_TEAM,
    (Audience.VENDOR, "channel_manager"): ONBOARDING_TEAM,
    (Audience.VENDOR, "sales_manager"): actions_of({"lead": "read create"}),
    (Audience.PARTNER, "partner_admin"): actions_of({"agreement": "read accept", "lead": "read respond"}),
    (Audience.PARTNER, "partner_rep"): actions_of({"lead": "read respond"}),
    (Audience.SYSTEM, "system"): actions_of(
        {
            "partner_application": "read create review",
            "agreement": "read update accept",
            "lead": "read create assign respond",
        }
    ),
}.items():
    EXPECTED[_key] = EXPECTED[_key] | _extra


# The rest of the write API: whoever adds activities also edits, completes and deletes them (a partner only its
# own, by row policy); owners and admins delete webhook endpoints and rotate their secrets; whoever creates leads
# edits and archives them; the registering partner withdraws; every tenant user edits its own profile.
ACTIVITY_WRITES = actions_of({"activity": "update complete delete"})
OWN_PROFILE = actions_of({"user": "update_profile"})
WEBHOOK_ADMIN = actions_of({"webhook": "delete rotate_secret"})
LEAD_EDITS = actions_of({"lead": "update archive"})
WITHDRAW = actions_of({"registration": "withdraw"})
for _key, _extra in {
    (Audience.VENDOR, "owner"): ACTIVITY_WRITES | OWN_PROFILE | WEBHOOK_ADMIN | LEAD_EDITS,
    (Audience.VENDOR, "admin"): ACTIVITY_WRITES | OWN_PROFILE | WEBHOOK_ADMIN | LEAD_EDITS,
    (Audience.VENDOR, "channel_manager"): ACTIVITY_WRITES | OWN_PROFILE | LEAD_EDITS,
    (Audience.VENDOR, "sales_manager"): ACTIVITY_WRITES | OWN_PROFILE | LEAD_EDITS,
    (Audience.VENDOR, "sales_rep"): ACTIVITY_WRITES | OWN_PROFILE,
    (Audience.VENDOR, "support"): ACTIVITY_WRITES | OWN_PROFILE,
    (Audience.PARTNER, "partner_admin"): ACTIVITY_WRITES | OWN_PROFILE | WITHDRAW,
    (Audience.PARTNER, "partner_rep"): ACTIVITY_WRITES | OWN_PROFILE | WITHDRAW,
    (Audience.CUSTOMER, "customer_user"): OWN_PROFILE,
    (Audience.SYSTEM, "system"): ACTIVITY_WRITES | WEBHOOK_ADMIN | LEAD_EDITS | WITHDRAW,
}.items():
    EXPECTED[_key] = EXPECTED[_key] | _extra


@pytest.mark.parametrize(("audience", "role"), list(EXPECTED), ids=lambda v: str(v))
def test_permitted_lists_exactly_what_each_role_may_do(authorizer, audience, role):
    decisions = decide(authorizer, principal(audience, role))
    permitted = decisions.permitted()
    assert set(permitted) == EXPECTED[(audience, role)]
    assert permitted == [action for action in ALL_ACTIONS if decisions.allows(action)]


def test_every_role_has_an_expectation():
    tenant_roles = {(aud, role) for aud, roles in ROLES_BY_AUDIENCE.items() for role in roles}
    assert tenant_roles - set(EXPECTED) == {(Audience.PLATFORM, "platform_admin")}


@pytest.mark.parametrize(
    ("audience", "role", "action", "allowed"),
    [
        (Audience.VENDOR, "sales_rep", a.DEAL_UPDATE, True),
        (Audience.VENDOR, "sales_rep", a.PARTNER_CREATE, False),
        (Audience.VENDOR, "sales_rep", a.DEAL_ARCHIVE, False),
        (Audience.VENDOR, "sales_rep", a.DEAL_ASSIGN_PARTNER, False),
        (Audience.VENDOR, "support", a.DEAL_UPDATE, False),
        (Audience.VENDOR, "support", a.DEAL_READ_INTERNAL, True),
        (Audience.VENDOR, "channel_manager", a.PARTNER_ARCHIVE, True),
        (Audience.VENDOR, "channel_manager", a.CUSTOMER_ARCHIVE, False),
        (Audience.VENDOR, "sales_manager", a.PARTNER_CREATE, False),
        (Audience.VENDOR, "owner", a.POLICY_UPDATE, True),
        (Audience.VENDOR, "owner", a.TENANT_READ, False),
        (Audience.PARTNER, "partner_rep", a.DEAL_READ_INTERNAL, False),
        (Audience.PARTNER, "partner_rep", a.DEAL_READ_OWNER, False),
        (Audience.PARTNER, "partner_rep", a.DEAL_UPDATE, True),
        (Audience.PARTNER, "partner_admin", a.API_KEY_CREATE, True),
        (Audience.PARTNER, "partner_admin", a.USER_ASSIGN_ROLES, False),
        (Audience.CUSTOMER, "customer_user", a.DEAL_READ, True),
        (Audience.CUSTOMER, "customer_user", a.DEAL_READ_DETAIL, False),
        (Audience.CUSTOMER, "customer_user", a.PARTNER_READ, False),
        (Audience.SYSTEM, "system", a.AUDIT_LOG_READ, True),
        (Audience.SYSTEM, "system", a.TENANT_PROVISION, False),
    ],
)
def test_role_decisions(authorizer, audience, role, action, allowed):
    assert decide(authorizer, principal(audience, role)).allows(action) is allowed


def test_several_roles_add_up(authorizer):
    decisions = decide(authorizer, principal(Audience.VENDOR, "support", "sales_rep"))
    expected = EXPECTED[(Audience.VENDOR, "support")] | EXPECTED[(Audience.VENDOR, "sales_rep")]
    assert set(decisions.permitted()) == expected


def test_anonymous_may_do_nothing(authorizer):
    decisions = decide(authorizer, Principal.anonymous())
    assert decisions.permitted() == []
    with pytest.raises(Forbidden):
        decisions.require(a.DEAL_READ)


def test_authn_may_do_nothing(authorizer):
    assert decide(authorizer, Principal.authn(TENANT, user_id=uuid.uuid4())).permitted() == []


def test_platform_may_do_only_tenant_actions(authorizer):
    decisions = decide(authorizer, Principal.platform(uuid.uuid4()))
    assert set(decisions.permitted()) == actions_of({"tenant": "read provision suspend reactivate"})


def test_a_role_of_another_audience_confers_nothing(authorizer):
    vendor = decide(authorizer, principal(Audience.VENDOR, "platform_admin", "sales_rep"))
    assert not vendor.allows(a.TENANT_PROVISION)
    assert vendor.roles == {"sales_rep"}
    partner = decide(authorizer, principal(Audience.PARTNER, "owner"))
    assert partner.permitted() == []
    customer = decide(authorizer, principal(Audience.CUSTOMER, "customer_user", "system"))
    assert not customer.allows(a.DEAL_READ_INTERNAL)
    platform = Decisions(
        Principal(Audience.PLATFORM, roles=frozenset({"platform_admin", "owner"})), authorizer.defaults
    )
    assert not platform.allows(a.DEAL_READ)


def test_require_raises_forbidden_naming_the_action(authorizer):
    decisions = decide(authorizer, principal(Audience.VENDOR, "support"))
    decisions.require(a.DEAL_READ)
    with pytest.raises(Forbidden) as caught:
        decisions.require(a.DEAL_UPDATE)
    assert caught.value.action == a.DEAL_UPDATE
    assert str(caught.value) == "deal:update"


def test_a_tenant_deny_line_removes_a_default_for_that_tenant_only():
    authorizer = Authorizer()
    own = [line("sales_rep", "deal", "update", "deny")]
    rep = principal(Audience.VENDOR, "sales_rep")
    other_rep = principal(Audience.VENDOR, "sales_rep", tenant=OTHER_TENANT)
    assert not Decisions(rep, authorizer.policy_for(TENANT, 1, own)).allows(a.DEAL_UPDATE)
    assert Decisions(rep, authorizer.policy_for(TENANT, 1, own)).allows(a.DEAL_READ)
    assert Decisions(other_rep, authorizer.policy_for(OTHER_TENANT, 1, None)).allows(a.DEAL_UPDATE)
    # A deny for one role leaves another role of the same caller its rights.
    both = principal(Audience.VENDOR, "sales_rep", "sales_manager")
    assert Decisions(both, authorizer.policy_for(TENANT, 1, own)).allows(a.DEAL_UPDATE)


def test_a_tenant_allow_line_adds_for_that_tenant_only():
    authorizer = Authorizer()
    own = [line("support", "deal", "update")]
    support = principal(Audience.VENDOR, "support")
    elsewhere = principal(Audience.VENDOR, "support", tenant=OTHER_TENANT)
    assert Decisions(support, authorizer.policy_for(TENANT, 1, own)).allows(a.DEAL_UPDATE)
    assert not Decisions(elsewhere, authorizer.policy_for(OTHER_TENANT, 1, None)).allows(a.DEAL_UPDATE)
    assert not Decisions(elsewhere, authorizer.defaults).allows(a.DEAL_UPDATE)


def test_tenants_without_lines_share_the_default_set():
    authorizer = Authorizer()
    assert authorizer.policy_for(TENANT, 1, None) is authorizer.defaults
    assert authorizer.policy_for(OTHER_TENANT, 3, []) is authorizer.defaults
    assert authorizer.policy_for(None, 1, None) is authorizer.defaults
    own = authorizer.policy_for(TENANT, 2, [line("support", "deal", "update")])
    assert own is not authorizer.defaults


def test_lines_a_tenant_may_not_own_are_ignored():
    authorizer = Authorizer()
    own = [
        line("owner", "tenant", "provision"),
        line("system", "deal", "read", "deny"),
        line("platform_admin", "deal", "read"),
        line("support", "deal", "update", tenant=OTHER_TENANT),
        line("nobody", "deal", "read"),
        line("support", "deal", "fly"),
    ]
    policy = authorizer.policy_for(TENANT, 1, own)
    assert not Decisions(principal(Audience.VENDOR, "owner"), policy).allows(a.TENANT_PROVISION)
    assert Decisions(Principal.system(TENANT), policy).allows(a.DEAL_READ)
    assert not Decisions(principal(Audience.VENDOR, "support"), policy).allows(a.DEAL_UPDATE)
    with pytest.raises(ValueError, match="cannot grant or deny tenant"):
        check_tenant_line(own[0], TENANT)
    with pytest.raises(ValueError, match="its id as domain"):
        check_tenant_line(own[3], TENANT)


def test_a_tenant_policy_set_answers_only_for_its_tenant():
    policy = PolicySet(DEFAULT_POLICY_LINES, [line("support", "deal", "update")], TENANT)
    assert policy.allows(frozenset({"support"}), "deal", "update", str(TENANT))
    with pytest.raises(ValueError):
        policy.allows(frozenset({"support"}), "deal", "update", str(OTHER_TENANT))
    with pytest.raises(ValueError):
        PolicySet(DEFAULT_POLICY_LINES, [line("support", "deal", "update")])


def test_the_cache_is_keyed_by_policy_version():
    authorizer = Authorizer()
    first = authorizer.policy_for(TENANT, 1, [line("support", "deal", "update")])
    # On a hit the lines are not consulted: the version says nothing changed.
    assert authorizer.policy_for(TENANT, 1, [line("support", "deal", "archive")]) is first
    assert authorizer.cached(TENANT, 1) is first
    assert authorizer.cached(TENANT, 2) is None
    second = authorizer.policy_for(TENANT, 2, [line("support", "deal", "archive")])
    support = principal(Audience.VENDOR, "support")
    assert Decisions(support, second).allows(a.DEAL_ARCHIVE)
    assert not Decisions(support, second).allows(a.DEAL_UPDATE)


def test_the_tenant_cache_is_bounded_and_least_recently_used_goes():
    authorizer = Authorizer(max_tenants=2)
    tenants = [uuid.uuid4() for _ in range(3)]
    own = {t: [line("support", "deal", "update", tenant=t)] for t in tenants}
    authorizer.policy_for(tenants[0], 1, own[tenants[0]])
    authorizer.policy_for(tenants[1], 1, own[tenants[1]])
    assert authorizer.cached(tenants[0], 1) is not None  # now the most recently used
    authorizer.policy_for(tenants[2], 1, own[tenants[2]])
    assert authorizer.cached(tenants[1], 1) is None
    assert authorizer.cached(tenants[0], 1) is not None
    assert authorizer.cached(tenants[2], 1) is not None


def test_decisions_are_memoised_per_roles_and_action(monkeypatch):
    policy = PolicySet(DEFAULT_POLICY_LINES)
    calls = []
    enforce = policy._enforce
    monkeypatch.setattr(policy, "_enforce", lambda *request: calls.append(request) or enforce(*request))
    roles = frozenset({"sales_rep", "support"})
    assert policy.allows(roles, "deal", "update", "*")
    assert policy.allows(roles, "deal", "update", "*")
    assert policy.allows(frozenset({"sales_rep"}), "deal", "update", "*")
    assert len(calls) <= 2  # once per role at most, never again for a question already answered
    assert not policy.allows(roles, "deal", "levitate", "*")
    assert len(calls) <= 2  # unknown actions never reach Casbin


def test_default_lines_name_known_roles_and_actions():
    assert DEFAULT_POLICY_LINES == read_lines()
    assert DEFAULT_POLICY_LINES
    known = set(ALL_ACTIONS)
    for ptype, role, dom, obj, act, eft in DEFAULT_POLICY_LINES:
        assert (ptype, dom, eft) == ("p", "*", "allow")
        assert role in ALL_ROLES
        assert Action(obj, act) in known
    assert len(set(DEFAULT_POLICY_LINES)) == len(DEFAULT_POLICY_LINES)


def test_only_platform_admin_holds_tenant_actions_by_default():
    holders = {role for _, role, _, obj, _, _ in DEFAULT_POLICY_LINES if obj == "tenant"}
    assert holders == {"platform_admin"}


def test_validate_roles():
    assert validate_roles(Audience.VENDOR, ["owner", "support"]) == {"owner", "support"}
    assert validate_roles(Audience.PARTNER, []) == frozenset()
    with pytest.raises(ValueError, match="unknown roles: wizard"):
        validate_roles(Audience.VENDOR, {"wizard"})
    with pytest.raises(ValueError, match="not vendor roles: platform_admin"):
        validate_roles(Audience.VENDOR, {"owner", "platform_admin"})
    with pytest.raises(ValueError, match="not customer roles: partner_rep"):
        validate_roles(Audience.CUSTOMER, {"partner_rep"})
    with pytest.raises(ValueError):
        validate_roles(Audience.ANONYMOUS, {"owner"})


def test_action_names():
    assert str(a.DEAL_READ_INTERNAL) == "deal:read_internal"
    assert parse("pipeline_stage:read") == a.PIPELINE_STAGE_READ
    assert len(set(ALL_ACTIONS)) == len(ALL_ACTIONS) == 71
    for bad in ("deal:fly", "deal", "", "tenant:"):
        with pytest.raises(ValueError):
            parse(bad)
