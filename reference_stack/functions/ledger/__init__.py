"""Ledger: double-entry postings for authorized payments."""
