"""Rotate: the Secrets Manager rotation function of the tokenization and API signing keys."""
