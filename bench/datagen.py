"""The seeded data set, one tenant at a time, as streams of row tuples ready for COPY.

Everything is derived from `random.Random(f"{seed}:{tenant index}")`, ids included, so a seed and a size
give the same rows on every machine. Rows are yielded, never collected: memory is bounded by one
tenant's id lists (customers and deals), whatever the number of tenants.
"""

from __future__ import annotations

import datetime as dt
import decimal
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from bench.config import DataSpec

EPOCH = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
WORDS = (
    "Acme Globex Initech Umbrella Stark Wayne Wonka Tyrell Cyberdyne Soylent Hooli Vandelay Aperture Oscorp "
    "Gringotts Monarch Nakatomi Virtucon Dunder Pied Massive Sterling Prestige Duff Krusty Gekko Blue Sun "
    "Northwind Contoso Fabrikam Litware Adventure Tailspin Proseware Fourth Wingtip Alpine Margie Trey"
).split()
SUFFIXES = ("Inc", "GmbH", "Ltd", "SA", "BV", "AB", "Oy", "LLC", "Group", "Labs", "Systems", "Partners")
INDUSTRIES = ("software", "retail", "manufacturing", "finance", "healthcare", "education", "logistics", "media")
SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+")
LIFECYCLE = ("lead", "prospect", "customer", "churned")
TIERS = ("platinum", "gold", "silver", "registered")
TERRITORIES = ("EMEA", "NA", "LATAM", "APAC")
FIRST = ("Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger", "Radia")
LAST = ("Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen", "Perlman")
TITLES = ("CTO", "VP Sales", "Head of IT", "Procurement", "CFO", "Engineer", "Director")
KINDS = ("note", "call", "meeting", "email", "task")

PARTNER_COLUMNS = ("tenant_id", "id", "name", "kind", "status", "tier", "territory", "domain", "parent_id")
CUSTOMER_COLUMNS = (
    "tenant_id",
    "id",
    "name",
    "domain",
    "industry",
    "size",
    "lifecycle_stage",
    "owner_id",
    "partner_id",
    "created_at",
    "updated_at",
)
CONTACT_COLUMNS = ("tenant_id", "id", "customer_id", "first_name", "last_name", "email", "phone", "title")
DEAL_COLUMNS = (
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
    "closed_at",
    "internal_notes",
    "created_at",
    "updated_at",
)
ACTIVITY_COLUMNS = ("tenant_id", "id", "kind", "subject", "body", "deal_id", "customer_id", "author_id", "occurred_at")


@dataclass(frozen=True)
class Stage:
    id: uuid.UUID
    name: str
    kind: str
    probability: int


@dataclass
class TenantPlan:
    """One tenant's generator. Call the streams in order: partners, customers, contacts, deals, activities."""

    spec: DataSpec
    index: int
    tenant_id: uuid.UUID
    owners: list[uuid.UUID]  # vendor users that own customers and deals
    stages: list[Stage]
    rng: random.Random = field(init=False)
    distributors: list[uuid.UUID] = field(default_factory=list)
    resellers: list[uuid.UUID] = field(default_factory=list)
    customers: list[tuple[uuid.UUID, uuid.UUID | None]] = field(default_factory=list)  # (id, partner id)
    deals: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)  # (id, customer id)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.spec.seed}:{self.index}")

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _company(self, n: int) -> str:
        r = self.rng
        return f"{r.choice(WORDS)} {r.choice(WORDS)} {r.choice(SUFFIXES)} {n}"

    @property
    def partners(self) -> list[uuid.UUID]:
        return self.distributors + self.resellers

    def distributor_rows(self) -> Iterator[tuple]:
        """Distributors (top of the hierarchy): loaded first, so the ancestry trigger finds them."""
        for i in range(self.spec.distributors):
            pid = self._uuid()
            self.distributors.append(pid)
            yield (
                self.tenant_id,
                pid,
                f"Distributor {self._company(i)}",
                "distributor",
                "active",
                self.rng.choice(TIERS),
                TERRITORIES[i % len(TERRITORIES)],
                f"dist{i}.t{self.index}.example",
                None,
            )

    def reseller_rows(self) -> Iterator[tuple]:
        """The other partners, each under a distributor (round robin)."""
        for i in range(self.spec.partners - self.spec.distributors):
            pid = self._uuid()
            self.resellers.append(pid)
            parent = self.distributors[i % len(self.distributors)]
            kind = self.rng.choice(("reseller", "reseller", "msp", "si", "referral"))
            yield (
                self.tenant_id,
                pid,
                f"Reseller {self._company(i)}",
                kind,
                "active",
                self.rng.choice(TIERS),
                self.rng.choice(TERRITORIES),
                f"res{i}.t{self.index}.example",
                parent,
            )

    def customer_rows(self) -> Iterator[tuple]:
        partners = self.partners
        for i in range(self.spec.customers):
            r = self.rng
            cid = self._uuid()
            partner = r.choice(partners) if partners and r.random() < 0.6 else None
            self.customers.append((cid, partner))
            created = EPOCH - dt.timedelta(seconds=r.randrange(2 * 365 * 86400))
            yield (
                self.tenant_id,
                cid,
                self._company(i),
                f"c{i}.t{self.index}.example",
                r.choice(INDUSTRIES),
                r.choice(SIZES),
                r.choice(LIFECYCLE),
                r.choice(self.owners),
                partner,
                created,
                created,
            )

    def contact_rows(self) -> Iterator[tuple]:
        for i, (cid, _) in enumerate(self.customers):
            for j in range(self.spec.contacts_per_customer):
                r = self.rng
                first, last = r.choice(FIRST), r.choice(LAST)
                yield (
                    self.tenant_id,
                    self._uuid(),
                    cid,
                    first,
                    last,
                    f"{first.lower()}.{j}@c{i}.t{self.index}.example",
                    f"+1-555-{r.randrange(10000):04d}",
                    r.choice(TITLES),
                )

    def deal_rows(self) -> Iterator[tuple]:
        n_customers = len(self.customers)
        partners = self.partners
        for i in range(self.spec.deals):
            r = self.rng
            # Spread deals evenly over customers (deals / customers each), in a shuffled-looking order.
            cid, customer_partner = self.customers[i % n_customers]
            if customer_partner is not None:
                partner, source = customer_partner, "partner_sourced"
            elif partners and r.random() < 0.2:
                partner, source = r.choice(partners), "partner_influenced"
            else:
                partner, source = None, "direct"
            stage = r.choice(self.stages)
            created = EPOCH - dt.timedelta(seconds=r.randrange(2 * 365 * 86400))
            status = stage.kind
            closed = None if status == "open" else created + dt.timedelta(days=r.randrange(1, 120))
            amount = decimal.Decimal(r.randrange(500, 500_000_00)) / 100
            did = self._uuid()
            self.deals.append((did, cid))
            yield (
                self.tenant_id,
                did,
                f"Deal {i} {r.choice(WORDS)} {r.choice(('renewal', 'expansion', 'new'))}",
                cid,
                partner,
                source,
                stage.id,
                amount,
                "EUR" if r.random() < 0.1 else "USD",
                (created + dt.timedelta(days=r.randrange(10, 200))).date(),
                stage.probability,
                r.choice(self.owners),
                status,
                closed,
                f"internal note {i}",
                created,
                closed or created,
            )

    def activity_rows(self) -> Iterator[tuple]:
        for did, cid in self.deals:
            for _ in range(self.spec.activities_per_deal):
                r = self.rng
                kind = r.choice(KINDS)
                when = EPOCH - dt.timedelta(seconds=r.randrange(365 * 86400))
                yield (
                    self.tenant_id,
                    self._uuid(),
                    kind,
                    f"{kind} about the deal",
                    "Talked about next steps.",
                    did,
                    cid,
                    r.choice(self.owners),
                    when,
                )
