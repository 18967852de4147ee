"""Lambda handlers of the reference payment pipeline, one sub-package per function.

Shared code lives in ``common``; every handler is addressed as
``reference_stack.functions.<name>.app.handler`` both in Terraform and in tests.
"""
