"""Command line of the local run: ``python -m reference_stack.local --payments 500``.

Prints the summary on stdout and exits 0 when the run succeeded (every request had its
expected outcome, the ledger balances per currency, the reconciliation reported exactly the
injected discrepancies, nothing was dead-lettered, and with ``--trace`` no least-privilege
violation), 1 when it did not, 2 for bad arguments or Terraform the run cannot use.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from reference_stack.local.least_privilege import check
from reference_stack.local.report import summary, trace_summary
from reference_stack.local.run import RunOptions, run
from reference_stack.local.stack import TERRAFORM_DIR, StackError


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m reference_stack.local", description=__doc__)
    parser.add_argument("--payments", type=int, default=500, help="payments to create (>= 25)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the payment generator")
    parser.add_argument("--date", type=date.fromisoformat, default=date(2024, 5, 14))
    parser.add_argument("--terraform", type=Path, default=TERRAFORM_DIR)
    parser.add_argument("--trace", action="store_true", help="check least privilege by trace")
    parser.add_argument("--function-logs", type=Path, help="write the functions' log lines here")
    args = parser.parse_args(argv)

    options = RunOptions(args.payments, args.seed, args.date, args.terraform, args.trace)
    try:
        if args.function_logs is not None:
            with args.function_logs.open("w", encoding="utf-8") as sink:
                result = run(options, sink)
        else:
            result = run(options)
    except (StackError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    print(summary(result))
    failed = bool(result.problems())
    if args.trace:
        violations = check(result.stack, result.deployment.resolver, result.traces)
        print(trace_summary(result, violations))
        failed = failed or bool(violations)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
