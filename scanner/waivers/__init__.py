"""Waivers: auditable, expiring exceptions to failed findings.

They are written in `.ledgerguard-waivers.yaml` (`scanner.waivers.file`) or as
`# ledgerguard:ignore` comments in the Terraform itself (`scanner.waivers.inline`); both become
`Waiver`s (`scanner.waivers.model`) that `apply_waivers` (`scanner.waivers.apply`) turns into
waived findings and notices about expired and stale waivers.
"""
