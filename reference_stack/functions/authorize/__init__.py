"""Authorize: a deterministic issuer simulator that approves or declines screened payments."""
