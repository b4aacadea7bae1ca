"""Money: an amount with an ISO 4217 currency; sums group by currency. Checked once, here."""

from __future__ import annotations

import decimal
import re

from tenants.errors import BadInput

CURRENCY_SQL = "'^[A-Z]{3}$'"  # the check constraint's pattern
# Amount columns are numeric(PRECISION, SCALE): a value of AMOUNT_BOUND or more in magnitude does not fit.
PRECISION = 18
SCALE = 2
AMOUNT_BOUND = decimal.Decimal(10) ** (PRECISION - SCALE)
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def check_currency(value: str | None, *, field: str = "currency") -> str | None:
    if value is not None and not _CURRENCY.match(value):
        raise BadInput("currency must be an ISO 4217 code such as USD", field=field)
    return value


def check_amount(value: decimal.Decimal | None, *, field: str = "amount") -> decimal.Decimal | None:
    if value is not None and value < 0:
        raise BadInput(f"{field} must not be negative", field=field)
    return value
