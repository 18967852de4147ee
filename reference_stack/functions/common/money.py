"""Money helpers: supported ISO-4217 currencies and integer-only fee arithmetic.

Amounts are always integers in the currency's minor unit (cents, pence, yen). Nothing in the
payment path converts an amount to a float; the fraud features are the one place that needs a
magnitude and they get it from ``major_magnitude``, which is never written back to a ledger.
"""

from __future__ import annotations

# ISO-4217 alphabetic code -> number of minor-unit digits, for the currencies this stack
# accepts. The list is deliberately a subset: a currency the issuer simulator and the fee
# schedule were not reviewed for is rejected at intake instead of half-supported.
CURRENCY_EXPONENTS: dict[str, int] = {
    "AED": 2,
    "AUD": 2,
    "BHD": 3,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLP": 0,
    "CNY": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 2,
    "ILS": 2,
    "INR": 2,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "MXN": 2,
    "NOK": 2,
    "NZD": 2,
    "OMR": 3,
    "PLN": 2,
    "RON": 2,
    "SAR": 2,
    "SEK": 2,
    "SGD": 2,
    "TRY": 2,
    "USD": 2,
    "ZAR": 2,
}

BASIS_POINTS = 10_000


class UnsupportedCurrencyError(ValueError):
    """Raised for a currency code outside ``CURRENCY_EXPONENTS``."""


def exponent(currency: str) -> int:
    """Return the number of minor-unit digits of a supported currency."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError as exc:
        raise UnsupportedCurrencyError(f"unsupported currency {currency!r}") from exc


def major_to_minor(amount_major: int, currency: str) -> int:
    """Convert a whole number of major units (e.g. a configured limit of 5000) to minor units."""
    return amount_major * int(10 ** exponent(currency))


def major_magnitude(amount_minor: int, currency: str) -> float:
    """Size of an amount in major units, only for model features, never for bookkeeping."""
    return amount_minor / float(10 ** exponent(currency))


def percentage_fee(amount_minor: int, fee_bps: int) -> int:
    """Fee of ``fee_bps`` basis points on a non-negative amount, rounded half up, in minor units.

    Integer arithmetic only: ``(amount * bps + 5000) // 10000`` rounds exactly, which float
    multiplication does not for large amounts.
    """
    if amount_minor < 0 or fee_bps < 0:
        raise ValueError("amount and fee rate must not be negative")
    return (amount_minor * fee_bps + BASIS_POINTS // 2) // BASIS_POINTS
