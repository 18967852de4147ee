"""Recognise and hide secret values, so that no output or evidence ever carries one."""

from __future__ import annotations

import re

REDACTED = "***REDACTED***"

# Names that say a value is a credential (environment variables, tags, attributes).
SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key"
    r"|credential|auth|signing[_-]?key|client[_-]?secret|pwd|dsn|connection[_-]?string)",
    re.IGNORECASE,
)

# Values that are credentials whatever they are called.
SECRET_VALUE = re.compile(
    r"((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|gh[pousr]_[A-Za-z0-9]{36,}"
    r"|xox[abpr]-[A-Za-z0-9-]{10,}"
    r"|sk_live_[A-Za-z0-9]{16,}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"
)

# An AWS secret access key: 40 base64 characters. Hex digests have the same length, so a
# candidate counts only when it mixes upper case, lower case and digits.
AWS_SECRET_CANDIDATE = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")

# Values that name where a secret lives rather than being one.
REFERENCE_VALUE = re.compile(r"^(arn:|\{\{resolve:|\$\{|/|ssm:|secretsmanager:)", re.IGNORECASE)


def looks_secret(name: str, value: object) -> bool:
    """Whether a literal `value` stored under `name` looks like a credential."""
    if not isinstance(value, str) or not value.strip():
        return False
    if SECRET_VALUE.search(value) or any(
        _aws_secret(m.group()) for m in AWS_SECRET_CANDIDATE.finditer(value)
    ):
        return True
    if REFERENCE_VALUE.match(value):
        return False
    return bool(SECRET_NAME.search(name)) and len(value) >= 6


def redact(text: str) -> str:
    """`text` with every credential-shaped value replaced by a marker."""
    text = SECRET_VALUE.sub(REDACTED, text)
    return AWS_SECRET_CANDIDATE.sub(
        lambda m: REDACTED if _aws_secret(m.group()) else m.group(), text
    )


def _aws_secret(candidate: str) -> bool:
    return (
        any(c.isupper() for c in candidate)
        and any(c.islower() for c in candidate)
        and any(c.isdigit() for c in candidate)
    )
