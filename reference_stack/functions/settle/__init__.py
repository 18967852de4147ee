"""Settle: the scheduled job that batches authorized payments per merchant and currency."""
