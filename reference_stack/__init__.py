"""Reference serverless card-payment stack that ledgerguard is expected to pass cleanly.

The Terraform in ``terraform/`` deploys the Python handlers in ``functions/``; the whole tree
is importable so that tests and the local runner load handlers by the same dotted path that
Lambda uses (``reference_stack.functions.<name>.app.handler``).
"""
