"""Local end-to-end run of the reference stack on moto, driven by its own Terraform.

``python -m reference_stack.local --payments 500`` creates the resources ``terraform/``
declares, sends a seeded day of payments through the API handlers, routes every event by the
rules' parsed event patterns, settles, reconciles a processor file with injected
discrepancies and prints a summary. With ``--trace`` it also records every AWS call each
function makes and checks it against that function's IAM policy, both ways. This package is
a development tool: the Lambda zip ships only ``reference_stack/functions``.
"""
