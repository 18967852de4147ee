"""A seeded business day of merchant requests, each with the outcome it must have.

``plan_day`` returns the requests of one day, in arrival order. Most are ordinary payments that
the issuer approves: small, non-round amounts, everyday merchant categories, matching
countries, unique cards, daytime. Around them it places one request for each path the stack
must handle, and states each request's expected outcome from how it was built (never from
running the code):

* fraud review (approved, flagged) and fraud decline: inputs of the fraud model's own tests;
* issuer declines: failed Luhn check, expired card, amount over the card limit, and a card used
  more often than the velocity limit, once within a day and once across a key rotation;
* API refusals: a forged bearer token, an invalid body, a merchant that is not the token's,
  an idempotency key reused for another amount; and a retry that is replayed;
* a transient EventBridge outage during one intake call, retried by the client.

The PANs are generated Luhn-valid numbers (or public test numbers); none is a real card.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

APPROVED = "approved"
REVIEW = "approved-review"
DENIED = "denied"
INVALID = "invalid"
FORBIDDEN = "forbidden"
CONFLICT = "conflict"
REPLAYED = "replayed"

MERCHANTS = ("m_alpine_goods", "m_baltic_books", "m_canal_cafe", "m_delta_digital")
# Currency and its minor-unit digits; EUR twice, as the most common currency of the day.
CURRENCIES: tuple[tuple[str, int], ...] = (
    ("EUR", 2),
    ("EUR", 2),
    ("USD", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("JPY", 0),
    ("BHD", 3),
)
EVERYDAY_MCCS = ("5411", "5812", "5999", "5942")
COUNTRIES = ("DE", "FR", "NL", "GB", "US", "CH")
DAY_START = time(8, 0)
DAY_END = time(20, 0)
ROTATION_AT = time(14, 0)
MIN_PAYMENTS = 25


def declined(reason: str) -> str:
    """The expected outcome of a payment the issuer or the fraud model declines."""
    return f"declined:{reason}"


@dataclass(frozen=True)
class Request:
    """One ``POST /payments`` a merchant's client sends, and what must become of it."""

    number: int
    at: datetime
    merchant_id: str
    idempotency_key: str
    body: dict[str, Any]
    expected: str
    scenario: str
    token_merchant: str = ""
    forged_token: bool = False
    outage: bool = False
    fresh_token: bool = False

    @property
    def creates_payment(self) -> bool:
        """Whether the request, once accepted, is a new payment."""
        return self.expected.startswith(("approved", "declined"))


@dataclass
class _Planner:
    """Builds the requests; keeps the seeded generator and the cards used so far."""

    day: date
    rng: random.Random
    requests: list[Request] = field(default_factory=list)
    cards: set[str] = field(default_factory=set)

    def instant(self, at: time, offset_seconds: float = 0.0) -> datetime:
        base = datetime.combine(self.day, at, tzinfo=UTC)
        return base + timedelta(seconds=offset_seconds)

    def card(self) -> str:
        while True:
            digits = "4" + "".join(str(self.rng.randrange(10)) for _ in range(14))
            pan = digits + _check_digit(digits)
            if pan not in self.cards:
                self.cards.add(pan)
                return pan

    def expiry(self, expired: bool = False) -> str:
        if expired:
            last = self.day.replace(day=1) - timedelta(days=1)
            return f"{last.month:02d}/{last.year % 100:02d}"
        return f"{self.rng.randint(1, 12):02d}/{(self.day.year + 2) % 100:02d}"

    def body(self, **overrides: Any) -> dict[str, Any]:
        currency, exponent = self.rng.choice(CURRENCIES)
        amount = self.rng.randint(10**exponent, 300 * 10**exponent)
        if amount % (100 * 10**exponent) == 0:
            amount += 1  # keep ordinary amounts non-round (a fraud model feature)
        country = self.rng.choice(COUNTRIES)
        body: dict[str, Any] = {
            "merchant_id": self.rng.choice(MERCHANTS),
            "amount_minor": amount,
            "currency": currency,
            "mcc": self.rng.choice(EVERYDAY_MCCS),
            "card": {"pan": self.card(), "expiry": self.expiry()},
            "billing_country": country,
            "ip_country": country,
        }
        body.update(overrides)
        return body

    def add(
        self, at: datetime, body: dict[str, Any], expected: str, scenario: str, **kw: Any
    ) -> Request:
        number = len(self.requests) + 1
        request = Request(
            number=number,
            at=at,
            merchant_id=str(body.get("merchant_id", MERCHANTS[0])),
            idempotency_key=kw.pop("idempotency_key", f"pay-{self.day:%Y%m%d}-{number:05d}"),
            body=body,
            expected=expected,
            scenario=scenario,
            **kw,
        )
        self.requests.append(request)
        return request


def plan_day(payments: int, seed: int, day: date) -> list[Request]:
    """The requests of one business day creating ``payments`` payments, in arrival order."""
    if payments < MIN_PAYMENTS:
        raise ValueError(f"a local run needs at least {MIN_PAYMENTS} payments")
    planner = _Planner(day=day, rng=random.Random(seed))
    _special_payments(planner)
    _refusals(planner)
    made = sum(1 for r in planner.requests if r.creates_payment)
    busy = {r.at.replace(microsecond=0) for r in planner.requests}
    start, end = planner.instant(DAY_START), planner.instant(DAY_END)
    step = (end - start) / (payments - made + 1)
    for index in range(payments - made):
        at = start + step * (index + 1)
        while at.replace(microsecond=0) in busy:
            at += timedelta(seconds=1)
        busy.add(at.replace(microsecond=0))
        planner.add(at, planner.body(), APPROVED, "ordinary")
    ordered = sorted(planner.requests, key=lambda r: r.at)
    return [replace(r, number=n) for n, r in enumerate(ordered, start=1)]


def _special_payments(planner: _Planner) -> None:
    """One payment per fraud and issuer path, placed at fixed times of the day."""
    p = planner
    gamble = {"mcc": "7995", "currency": "EUR", "billing_country": "DE", "ip_country": "DE"}
    p.add(p.instant(time(9, 5)), p.body(amount_minor=90000, **gamble), REVIEW, "fraud review")
    decline_body = p.body(amount_minor=120000, **{**gamble, "ip_country": "FR"})
    p.add(p.instant(time(9, 10)), decline_body, declined("suspected_fraud"), "fraud decline")
    luhn = p.body(
        amount_minor=1250, currency="EUR", card={"pan": "4111111111111112", "expiry": p.expiry()}
    )
    p.add(p.instant(time(9, 15)), luhn, declined("invalid_card_number"), "failed Luhn check")
    expired = p.body(card={"pan": p.card(), "expiry": p.expiry(expired=True)})
    p.add(p.instant(time(9, 20)), expired, declined("expired_card"), "expired card")
    over = p.body(amount_minor=600123, currency="EUR")
    p.add(p.instant(time(9, 25)), over, declined("exceeds_amount_limit"), "over the card limit")

    # Seven payments of one card within ten minutes: the limit is five (variables.tf).
    card = {"pan": p.card(), "expiry": p.expiry()}
    for n in range(7):
        expected = APPROVED if n < 5 else declined("exceeds_frequency_limit")
        p.add(p.instant(time(10, 0), 40 * n), p.body(card=card), expected, "velocity")

    # Six payments of one card around the key rotation at ROTATION_AT, within ten minutes:
    # three with the old key, three after every cache has the new key (five minutes later).
    card = {"pan": p.card(), "expiry": p.expiry()}
    offsets = (-240, -200, -160, 310, 320, 330)
    for n, offset in enumerate(offsets):
        expected = APPROVED if n < 5 else declined("exceeds_frequency_limit")
        p.add(
            p.instant(ROTATION_AT, offset), p.body(card=card), expected, "velocity across rotation"
        )

    p.add(p.instant(time(11, 0)), p.body(), APPROVED, "EventBridge outage, retried", outage=True)
    p.add(
        p.instant(ROTATION_AT, 420),
        p.body(),
        APPROVED,
        "token issued after rotation",
        fresh_token=True,
    )


def _refusals(planner: _Planner) -> None:
    """Requests the API refuses or answers from the idempotency store."""
    p = planner
    p.add(p.instant(time(12, 0)), p.body(), DENIED, "forged bearer token", forged_token=True)
    p.add(p.instant(time(12, 5)), p.body(currency="XXX"), INVALID, "unsupported currency")
    other = p.body(merchant_id=MERCHANTS[1])
    p.add(
        p.instant(time(12, 10)),
        other,
        FORBIDDEN,
        "merchant is not the token's",
        token_merchant=MERCHANTS[0],
    )
    first = p.add(p.instant(time(12, 15)), p.body(), APPROVED, "first of a retried request")
    p.add(
        p.instant(time(12, 16)),
        first.body,
        REPLAYED,
        "client retry, replayed",
        idempotency_key=first.idempotency_key,
    )
    changed = {**first.body, "amount_minor": int(first.body["amount_minor"]) + 100}
    p.add(
        p.instant(time(12, 17)),
        changed,
        CONFLICT,
        "idempotency key reused for another amount",
        idempotency_key=first.idempotency_key,
    )


def _check_digit(digits: str) -> str:
    """The Luhn check digit completing ``digits``."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)
