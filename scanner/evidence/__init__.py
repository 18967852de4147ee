"""Audit evidence: per-control roll-up, HTML report, OSCAL assessment results, a hashed and
optionally signed manifest, and the hash-chained history of control status over time.

Heavy libraries (jinja2, compliance-trestle, SQLAlchemy, cryptography) are imported by the
modules that need them, never here, so the CLI starts fast.
"""
