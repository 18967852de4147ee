"""`ledgerguard evidence` (create, verify, keygen) and `ledgerguard history` (show, verify).

Only typer is imported at module level; every command imports what it needs when it runs,
so `ledgerguard --help` and `ledgerguard scan` never load jinja2, trestle, SQLAlchemy or
cryptography.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from scanner.evidence.bundle import Bundle


class _EvidenceGroup(TyperGroup):
    """Routes `ledgerguard evidence PATH... --out DIR` to the `create` command, so paths need
    no subcommand name; `verify` and `keygen` are picked by their names."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["create", *args]
        return super().parse_args(ctx, args)


evidence_app = typer.Typer(
    cls=_EvidenceGroup,
    help="Audit evidence: `ledgerguard evidence PATH... --out DIR` writes a bundle of report, "
    "OSCAL assessment results and a hashed, optionally signed manifest.",
    no_args_is_help=True,
)
history_app = typer.Typer(help="Control status over the audit period, from the history store.")

HistoryOption = Annotated[
    str | None,
    typer.Option(
        "--history",
        help="History store, a SQLAlchemy URL (sqlite:///PATH, postgresql+psycopg://...); "
        "default $LEDGERGUARD_HISTORY_URL, else .ledgerguard/history.db at the top of the git "
        "work tree (or the folder).",
        show_default=False,
    ),
]


@evidence_app.command("create")
def create(
    paths: Annotated[list[Path], typer.Argument(help="Terraform files or directories.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the bundle to.")],
    framework: Annotated[
        list[str] | None,
        typer.Option("--framework", help="Framework to evidence (repeatable); default all."),
    ] = None,
    policies: Annotated[
        list[Path] | None, typer.Option("--policies", help="Extra rule directory (repeatable).")
    ] = None,
    var_file: Annotated[
        list[Path] | None, typer.Option("--var-file", help="Terraform variable file (repeatable).")
    ] = None,
    waivers: Annotated[
        Path | None,
        typer.Option(
            "--waivers",
            help="Waivers file (default: .ledgerguard-waivers.yaml in the current directory).",
        ),
    ] = None,
    sign_key: Annotated[
        Path | None,
        typer.Option("--sign-key", help="Ed25519 private key (PEM) to sign manifest.json with."),
    ] = None,
    history: HistoryOption = None,
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            help="Name of the scanned code in the history store (default: the git work tree's "
            "folder name).",
        ),
    ] = None,
) -> None:
    """Scan PATH... and write the evidence bundle (the default: `evidence PATH... --out DIR`).

    Exit 0 when written; 2 on bad input, or when a file could not be parsed (it is reported).
    """
    _require_extra("trestle", "sqlalchemy", "cryptography")
    from scanner.cli_gate import waivers_file
    from scanner.evidence.bundle import EvidenceOptions, create_bundle
    from scanner.scan import ScanOptions, scan_root

    options = EvidenceOptions(
        scan=ScanOptions(
            paths=paths,
            var_files=var_file or [],
            policy_dirs=policies or [],
            frameworks=framework or [],
            waivers=waivers_file(waivers),
        ),
        out=out,
        history_url=history or _default_history(scan_root(paths)),
        project=project,
        sign_key=sign_key,
    )
    bundle = create_bundle(options)
    raise typer.Exit(_summarize(bundle, out))


def _summarize(bundle: Bundle, out: Path) -> int:
    """Print each framework's control counts and any input error; the exit code."""
    for result in bundle.frameworks:
        counts = ", ".join(
            f"{count} {status.value}" for status, count in result.status_counts.items() if count
        )
        print(f"{result.id}: {counts}")
    signed = " (signed)" if bundle.manifest["signature"] else ""
    print(f"evidence written to {out}{signed}; history run {bundle.manifest['history']['run_id']}")
    for error in bundle.result.errors:
        where = f"{error.file}:{error.line}" if error.line else error.file
        print(f"ledgerguard: error: {where}: {error.message}", file=sys.stderr)
    return 2 if bundle.result.errors else 0


@evidence_app.command("verify")
def verify(
    directory: Annotated[Path, typer.Argument(help="The evidence bundle folder.")],
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="Ed25519 public key (PEM) the bundle must be signed by."),
    ] = None,
) -> None:
    """Recompute every hash of a bundle and check its signature: exit 0 intact, 1 tampered."""
    _require_extra("cryptography")
    from scanner.evidence.manifest import verify as verify_bundle
    from scanner.evidence.signing import load_public_key

    key = load_public_key(public_key) if public_key else None
    outcome = verify_bundle(directory, key)
    for problem in outcome.problems:
        print(problem)
    if outcome.problems:
        count = len(outcome.problems)
        print(f"{directory}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        raise typer.Exit(1)
    print(f"{directory}: {outcome.files} files match the manifest; signature {outcome.signature}")


@evidence_app.command("keygen")
def keygen(
    private_key: Annotated[
        Path, typer.Option("--private-key", help="Where to write the private key (PEM).")
    ] = Path("ledgerguard-signing-key.pem"),
    public_key: Annotated[
        Path, typer.Option("--public-key", help="Where to write the public key (PEM).")
    ] = Path("ledgerguard-signing-key.pub.pem"),
) -> None:
    """Write a new Ed25519 key pair for `--sign-key` and `verify --public-key`."""
    _require_extra("cryptography")
    from scanner.evidence.signing import generate_keypair

    key_id = generate_keypair(private_key, public_key)
    print(f"wrote {private_key} (keep it secret) and {public_key}; key id {key_id}")


@history_app.callback(invoke_without_command=True)
def history_show(
    ctx: typer.Context,
    framework: Annotated[
        list[str] | None,
        typer.Option("--framework", help="Framework to show (repeatable); default all."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only runs from this date (YYYY-MM-DD) on.")
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="Only this project; default all.")
    ] = None,
    history: HistoryOption = None,
) -> None:
    """Show each control's status over time: per project and framework, controls by run."""
    if ctx.invoked_subcommand is not None:
        return
    _require_extra("sqlalchemy")
    from scanner.evidence.history import HistoryStore, format_table

    start = _since(since) if since else None
    store = HistoryStore(history or _default_history(Path.cwd()), create=False)
    try:
        series = [
            (p, f)
            for p, f in store.series()
            if project in (None, p) and (not framework or f in framework)
        ]
        found = [(p, f, store.runs(p, f, start)) for p, f in series]
        tables = [format_table(p, f, runs) for p, f, runs in found if runs]
    finally:
        store.close()
    if not tables:
        print(f"no matching evidence runs in {store.shown_url}")
    sys.stdout.write("\n".join(tables))


@history_app.command("verify")
def history_verify(history: HistoryOption = None) -> None:
    """Check the hash chain: exit 0 intact, 1 when a record was edited or deleted."""
    _require_extra("sqlalchemy")
    from scanner.evidence.history import HistoryStore

    store = HistoryStore(history or _default_history(Path.cwd()), create=False)
    try:
        problems, count, head = store.verify()
    finally:
        store.close()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{store.shown_url}: the history chain is broken", file=sys.stderr)
        raise typer.Exit(1)
    print(f"{store.shown_url}: {count} records, chain intact; head {head}")


def _require_extra(*modules: str) -> None:
    """UsageError naming the `evidence` extra when a library it installs is missing."""
    from importlib.util import find_spec

    from scanner.errors import UsageError

    missing = [name for name in modules if find_spec(name) is None]
    if missing:
        raise UsageError(
            f"this command needs {', '.join(missing)}: pip install 'ledgerguard[evidence]'"
        )


def _default_history(base: Path) -> str:
    from scanner.evidence.history import default_url
    from scanner.evidence.provenance import git_toplevel

    return default_url(git_toplevel(base) or base)


def _since(text: str) -> str:
    from datetime import UTC, datetime

    from scanner.errors import UsageError
    from scanner.evidence.provenance import iso

    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--since: not a date: {text!r} (use YYYY-MM-DD)") from exc
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
