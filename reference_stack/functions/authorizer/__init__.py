"""Authorizer: the HTTP API Lambda authorizer that checks merchants' bearer tokens."""
