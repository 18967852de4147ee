"""`ledgerguard iam ...`: least-privilege tools on top of the IAM analysis.

Only typer is imported here: the loader, the analysis and policy_sentry are imported inside the
commands, so that `ledgerguard --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="IAM least-privilege tools.", no_args_is_help=True)


@app.command()
def suggest(
    path: Annotated[Path, typer.Argument(help="Terraform file or directory.")],
    principal: Annotated[
        str, typer.Option("--principal", help="Address of the role, user or group.")
    ],
    used_actions: Annotated[
        Path,
        typer.Option(
            "--used-actions",
            help='JSON list of action names, or of {"action": ..., "resource": ...} objects.',
        ),
    ],
) -> None:
    """Print the minimal policy for the actions a principal used, and the grants it drops.

    Exit 0 on success, 2 on an unknown principal or an unreadable input.
    """
    from scanner.iam.suggest import render, run

    sys.stdout.write(render(run(path, principal, used_actions)))
