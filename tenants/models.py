"""Every mapped table, imported once so the metadata is complete (Alembic reads `Base.metadata`)."""

from tenants.activities.models import Activity
from tenants.attribution.models import DealPartner
from tenants.audit.models import AuditEntry, TenantPolicyRule
from tenants.base import Base
from tenants.customers.models import Contact, Customer
from tenants.deals.models import Deal, DealStageChange, PipelineStage
from tenants.identity.models import ApiKey, Invitation, Membership, User
from tenants.leads.models import Lead, LeadAssignment, LeadContact, LeadTierRule
from tenants.onboarding.models import AgreementAcceptance, PartnerAgreement, PartnerApplication
from tenants.outbox.models import OutboxEvent, ProcessedEvent
from tenants.partners.models import Partner, PartnerAncestry
from tenants.platform.models import ApiKeyIndex, DefaultPolicyRule, PlatformAdmin, PlatformAudit, Tenant
from tenants.registrations.models import Registration, RegistrationConflict
from tenants.transfers.models import ImportProblem, TransferChunk, TransferJob
from tenants.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Activity",
    "AgreementAcceptance",
    "ApiKey",
    "ApiKeyIndex",
    "AuditEntry",
    "Base",
    "Contact",
    "Customer",
    "Deal",
    "DealPartner",
    "DealStageChange",
    "DefaultPolicyRule",
    "ImportProblem",
    "Invitation",
    "Lead",
    "LeadAssignment",
    "LeadContact",
    "LeadTierRule",
    "Membership",
    "OutboxEvent",
    "Partner",
    "PartnerAgreement",
    "PartnerAncestry",
    "PartnerApplication",
    "PipelineStage",
    "PlatformAdmin",
    "PlatformAudit",
    "ProcessedEvent",
    "Registration",
    "RegistrationConflict",
    "Tenant",
    "TenantPolicyRule",
    "TransferChunk",
    "TransferJob",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
