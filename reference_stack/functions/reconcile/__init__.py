"""Reconcile: the scheduled job that matches the processor's settlement file to the ledger."""
