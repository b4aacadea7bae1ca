"""The action vocabulary: what can be done to what, as `object:action`."""

from __future__ import annotations

from typing import NamedTuple


class Action(NamedTuple):
    """One thing a caller may do: `act` on objects of kind `obj` (Casbin's obj and act)."""

    obj: str
    act: str

    def __str__(self) -> str:
        return f"{self.obj}:{self.act}"


VOCABULARY: dict[str, tuple[str, ...]] = {
    "tenant": ("read", "provision", "suspend", "reactivate"),
    "user": ("read", "invite", "assign_roles", "revoke", "update_profile"),
    "api_key": ("read", "create", "revoke"),
    "partner": ("read", "create", "update", "archive"),
    "customer": ("read", "create", "update", "archive", "read_owner"),
    "contact": ("read", "create", "update", "archive"),
    "deal": (
        "read",
        "create",
        "update",
        "archive",
        "move_stage",
        "close",
        "assign_partner",
        "read_internal",
        "read_owner",
        "read_detail",
    ),
    "pipeline": ("read",),
    "pipeline_stage": ("read",),
    "activity": ("read", "create", "update", "complete", "delete"),
    "audit_log": ("read",),
    "policy": ("read", "update"),
    "webhook": ("read", "manage", "delete", "rotate_secret"),
    "transfer": ("import", "export", "read"),
    "registration": ("read", "submit", "approve", "reject", "extend", "withdraw"),
    "attribution": ("read",),
    "partner_application": ("read", "create", "review"),
    "agreement": ("read", "update", "accept"),
    "lead": ("read", "create", "assign", "respond", "update", "archive"),
}
# In vocabulary order, which is the order `Decisions.permitted()` lists them in.
ALL_ACTIONS: tuple[Action, ...] = tuple(Action(obj, act) for obj, acts in VOCABULARY.items() for act in acts)
KNOWN_ACTIONS: frozenset[Action] = frozenset(ALL_ACTIONS)
# Objects above any tenant: only the platform audience acts on them, and it acts on nothing else.
PLATFORM_OBJECTS: frozenset[str] = frozenset({"tenant"})

TENANT_READ = Action("tenant", "read")
TENANT_PROVISION = Action("tenant", "provision")
TENANT_SUSPEND = Action("tenant", "suspend")
TENANT_REACTIVATE = Action("tenant", "reactivate")
USER_READ = Action("user", "read")
USER_INVITE = Action("user", "invite")
USER_ASSIGN_ROLES = Action("user", "assign_roles")
USER_REVOKE = Action("user", "revoke")
USER_UPDATE_PROFILE = Action("user", "update_profile")
API_KEY_READ = Action("api_key", "read")
API_KEY_CREATE = Action("api_key", "create")
API_KEY_REVOKE = Action("api_key", "revoke")
PARTNER_READ = Action("partner", "read")
PARTNER_CREATE = Action("partner", "create")
PARTNER_UPDATE = Action("partner", "update")
PARTNER_ARCHIVE = Action("partner", "archive")
CUSTOMER_READ = Action("customer", "read")
CUSTOMER_CREATE = Action("customer", "create")
CUSTOMER_UPDATE = Action("customer", "update")
CUSTOMER_ARCHIVE = Action("customer", "archive")
CUSTOMER_READ_OWNER = Action("customer", "read_owner")
CONTACT_READ = Action("contact", "read")
CONTACT_CREATE = Action("contact", "create")
CONTACT_UPDATE = Action("contact", "update")
CONTACT_ARCHIVE = Action("contact", "archive")
DEAL_READ = Action("deal", "read")
DEAL_CREATE = Action("deal", "create")
DEAL_UPDATE = Action("deal", "update")
DEAL_ARCHIVE = Action("deal", "archive")
DEAL_MOVE_STAGE = Action("deal", "move_stage")
DEAL_CLOSE = Action("deal", "close")
DEAL_ASSIGN_PARTNER = Action("deal", "assign_partner")
DEAL_READ_INTERNAL = Action("deal", "read_internal")
DEAL_READ_OWNER = Action("deal", "read_owner")
DEAL_READ_DETAIL = Action("deal", "read_detail")
PIPELINE_READ = Action("pipeline", "read")
PIPELINE_STAGE_READ = Action("pipeline_stage", "read")
ACTIVITY_READ = Action("activity", "read")
ACTIVITY_CREATE = Action("activity", "create")
ACTIVITY_UPDATE = Action("activity", "update")
ACTIVITY_COMPLETE = Action("activity", "complete")
ACTIVITY_DELETE = Action("activity", "delete")
AUDIT_LOG_READ = Action("audit_log", "read")
POLICY_READ = Action("policy", "read")
POLICY_UPDATE = Action("policy", "update")
WEBHOOK_READ = Action("webhook", "read")
WEBHOOK_MANAGE = Action("webhook", "manage")
WEBHOOK_DELETE = Action("webhook", "delete")
WEBHOOK_ROTATE_SECRET = Action("webhook", "rotate_secret")
TRANSFER_IMPORT = Action("transfer", "import")
TRANSFER_EXPORT = Action("transfer", "export")
TRANSFER_READ = Action("transfer", "read")
REGISTRATION_READ = Action("registration", "read")
REGISTRATION_SUBMIT = Action("registration", "submit")
REGISTRATION_APPROVE = Action("registration", "approve")
REGISTRATION_REJECT = Action("registration", "reject")
REGISTRATION_EXTEND = Action("registration", "extend")
REGISTRATION_WITHDRAW = Action("registration", "withdraw")
ATTRIBUTION_READ = Action("attribution", "read")
PARTNER_APPLICATION_READ = Action("partner_application", "read")
PARTNER_APPLICATION_CREATE = Action("partner_application", "create")
PARTNER_APPLICATION_REVIEW = Action("partner_application", "review")
AGREEMENT_READ = Action("agreement", "read")
AGREEMENT_UPDATE = Action("agreement", "update")
AGREEMENT_ACCEPT = Action("agreement", "accept")
LEAD_READ = Action("lead", "read")
LEAD_CREATE = Action("lead", "create")
LEAD_ASSIGN = Action("lead", "assign")
LEAD_RESPOND = Action("lead", "respond")
LEAD_UPDATE = Action("lead", "update")
LEAD_ARCHIVE = Action("lead", "archive")


def parse(text: str) -> Action:
    """The action named `object:action`; ValueError if it is not in the vocabulary."""
    obj, _, act = text.partition(":")
    action = Action(obj, act)
    if action not in KNOWN_ACTIONS:
        raise ValueError(f"unknown action {text!r}")
    return action
