"""A database error the client caused is its typed error, naming the field as the client's argument does."""

from __future__ import annotations

from tenants.errors import BadInput, Conflict, NotFound, from_database


class Refusal(Exception):
    """What the driver raises: a SQLSTATE and, where PostgreSQL reports them, the column and constraint."""

    def __init__(self, sqlstate: str, *, column=None, constraint=None, table=None) -> None:
        super().__init__("refused")
        self.sqlstate = sqlstate
        self.column_name = column
        self.constraint_name = constraint
        self.table_name = table


def test_client_errors_are_typed_and_name_the_argument():
    found = from_database(Refusal("23503", constraint="fk_deals_tenant_id_customer_id", table="deals"))
    assert isinstance(found, NotFound) and found.field == "customerId"
    assert "another tenant" not in found.message and "deals" not in found.message
    found = from_database(Refusal("23514", constraint="ck_deals_amount", table="deals"))
    assert isinstance(found, BadInput) and found.field == "amount"
    assert isinstance(
        from_database(Refusal("23505", constraint="uq_customers_tenant_id_domain", table="customers")), Conflict
    )
    for state in ("22003", "22021", "22P05", "22001", "22008"):
        assert isinstance(from_database(Refusal(state)), BadInput), state


def test_real_faults_stay_unmapped():
    for state in ("40001", "57014", "53300", "XX000", None):
        assert from_database(Refusal(state)) is None  # type: ignore[arg-type]
