"""Intake: the ``POST /payments`` handler that tokenizes the card and records the payment."""
