"""Notifier: forwards declines and reconciliation discrepancies to the notifications topic."""
