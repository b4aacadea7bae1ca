"""Matching keys for every customer and registration, however it was written; trigram candidates.

Customers created by the bulk import and the demo seed had no keys, so conflict checks were blind to them;
the names' normalisation also changed (transliteration, Chinese region and industry words). Every row's
`domain_key` and `name_key` are recomputed here with the one function the write paths use. The name block
goes: candidates now come from trigram similarity of the normalised name (`pg_trgm`, a GIN index), which
finds typos in the first word and other word orders that a shared prefix could not (`btree_gin` puts the
tenant first in that index, as in every index here).

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tenants.matching.keys import company_keys

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, name column, domain column)
KEYED = (("customers", "name", "domain"), ("registrations", "company_name", "company_domain"))


def upgrade() -> None:
    bind = op.get_bind()
    for extension in ("pg_trgm", "btree_gin"):  # btree_gin: the tenant first in a GIN index, as in every index
        # Created here unless `db init` (the administrator) did; asked first, because Citus refuses even `if not
        # exists` to a role that does not own the extension.
        if not bind.execute(sa.text("select 1 from pg_extension where extname = :e"), {"e": extension}).first():
            op.execute(f"create extension {extension} with schema public")
    for table, _, _ in KEYED:
        op.drop_index(f"ix_{table}_tenant_id_name_block", table_name=table, schema="app")
        op.drop_column(table, "name_block", schema="app")
        op.create_index(
            f"ix_{table}_name_key_trgm",
            table,
            ["tenant_id", "name_key"],
            schema="app",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        )
    # Row policies apply to the owner too: the keys are rewritten tenant by tenant, as `system`.
    for (tenant_id,) in bind.execute(sa.text("select id from platform.tenants")).all():
        bind.execute(
            sa.text("select app.set_identity(:t, 'system', null, null, null, 'system', null)"), {"t": tenant_id}
        )
        for table, name, domain in KEYED:
            rows = bind.execute(sa.text(f"select id, {name}, {domain}, name_key, domain_key from app.{table}")).all()
            changed = [
                {"id": row[0], **keys}
                for row in rows
                if (keys := company_keys(row[1], row[2])) != {"domain_key": row[4], "name_key": row[3]}
            ]
            if changed:
                bind.execute(
                    sa.text(
                        f"update app.{table} set name_key = :name_key, domain_key = :domain_key"
                        " where tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid and id = :id"
                    ),
                    changed,
                )
    bind.execute(sa.text("select app.set_identity(null, 'anonymous', null, null, null, null, null)"))


def downgrade() -> None:
    for table, _, _ in KEYED:
        op.drop_index(f"ix_{table}_name_key_trgm", table_name=table, schema="app")
        op.add_column(table, sa.Column("name_block", sa.Text(), nullable=True), schema="app")
        op.create_index(f"ix_{table}_tenant_id_name_block", table, ["tenant_id", "name_block"], schema="app")
