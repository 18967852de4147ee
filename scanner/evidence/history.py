"""The audit-period history: an append-only, hash-chained ledger of control status per run.

Each evidence run appends one record per control. A record's `hash` is the SHA-256 of its
fields as canonical JSON followed by the previous record's hash, so editing or deleting any
record breaks the chain at that point, and `verify` names the record. The store is any
SQLAlchemy database: SQLite by default, PostgreSQL for an organisation-wide ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import LedgerguardError, UsageError

if TYPE_CHECKING:
    from sqlalchemy import Engine, MetaData, Table

URL_ENV = "LEDGERGUARD_HISTORY_URL"
DEFAULT_PATH = Path(".ledgerguard") / "history.db"
GENESIS = "0" * 64
TABLE_NAME = "ledgerguard_history"
_HASHED = (
    "seq",
    "run_id",
    "recorded_at",
    "project",
    "git_commit",
    "dirty",
    "framework",
    "control",
    "status",
    "failed",
    "passed",
    "waived",
)
_APPEND_ATTEMPTS = 10
# The PostgreSQL advisory lock appends take, so that writers queue instead of colliding.
_LOCK = int.from_bytes(hashlib.sha256(TABLE_NAME.encode()).digest()[:8], "big", signed=True)


class HistoryError(LedgerguardError):
    """The history store cannot be opened, read or written."""


@dataclass(frozen=True)
class RunInfo:
    """One evidence run: its id, its time, the project it scanned and that project's git state.

    `project` keeps the trends of different repositories apart in a shared store.
    """

    run_id: str
    recorded_at: str
    project: str
    git_commit: str | None
    dirty: bool | None


@dataclass(frozen=True)
class ControlEntry:
    """One control's outcome in one run, as the ledger records it."""

    framework: str
    control: str
    status: str
    failed: int
    passed: int
    waived: int


@dataclass
class RunColumn:
    """One run of one framework as `history` shows it: when, which commit, each status."""

    run_id: str
    recorded_at: str
    git_commit: str | None
    dirty: bool | None
    statuses: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AppendedRun:
    """What an append left: the run's id and the ledger's head hash after it."""

    run_id: str
    head: str
    records: int


def default_url(base: Path) -> str:
    """`LEDGERGUARD_HISTORY_URL`, else SQLite at `.ledgerguard/history.db` under `base`."""
    return os.environ.get(URL_ENV) or f"sqlite:///{(base / DEFAULT_PATH).resolve()}"


def display_url(url: str) -> str:
    """`url` with any password hidden, for messages and the manifest."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (to keep it out of hashed inputs), else None."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def record_hash(record: dict[str, Any], prev_hash: str) -> str:
    """The chain hash of one record: SHA-256 over its canonical JSON and `prev_hash`."""
    fields = {name: record[name] for name in _HASHED}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((canonical + prev_hash).encode()).hexdigest()


class HistoryStore:
    """The ledger in one SQLAlchemy database.

    With `create`, opening makes the table (and a SQLite file's folder) when missing; without
    it, a store that holds no ledger is a usage error, so a mistyped URL is not taken for an
    empty history.
    """

    def __init__(self, url: str, create: bool = True) -> None:
        self.url = url
        self.shown_url = display_url(url)
        self.engine, self.table = _open(url, self.shown_url, create)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def append(self, run: RunInfo, entries: list[ControlEntry]) -> AppendedRun:
        """Append one record per entry, chained after the current head, in one transaction.

        Writers queue on a PostgreSQL advisory lock (SQLite locks the file). Elsewhere, a
        concurrent writer that appended first makes the unique `prev_hash` reject this
        transaction, which is retried on the new head: the chain never forks.
        """
        from sqlalchemy import text
        from sqlalchemy.exc import IntegrityError, SQLAlchemyError

        for attempt in range(_APPEND_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
                    seq, head = self._head(conn)
                    rows = []
                    for entry in entries:
                        seq += 1
                        row = {"seq": seq, **asdict(run), **asdict(entry), "prev_hash": head}
                        head = row["hash"] = record_hash(row, head)
                        rows.append(row)
                    if rows:
                        conn.execute(self.table.insert(), rows)
                return AppendedRun(run_id=run.run_id, head=head, records=len(rows))
            except IntegrityError:
                time.sleep(random.uniform(0, 0.05) * (attempt + 1))
                continue
            except SQLAlchemyError as exc:
                raise HistoryError(
                    f"cannot write history to {self.shown_url}: {_why(exc)}"
                ) from exc
        raise HistoryError(f"cannot append to {self.shown_url}: other writers kept appending")

    def runs(self, project: str, framework: str, since: str | None = None) -> list[RunColumn]:
        """The runs of `project` that recorded `framework`, oldest first, with the status of
        each control."""
        from sqlalchemy import select

        table = self.table
        query = (
            select(table)
            .where(table.c.project == project, table.c.framework == framework)
            .order_by(table.c.seq)
        )
        if since is not None:
            query = query.where(table.c.recorded_at >= since)
        columns: dict[str, RunColumn] = {}
        for row in self._rows(query):
            column = columns.get(row["run_id"])
            if column is None:
                column = columns[row["run_id"]] = RunColumn(
                    row["run_id"], row["recorded_at"], row["git_commit"], row["dirty"]
                )
            column.statuses[row["control"]] = row["status"]
        return list(columns.values())

    def series(self) -> list[tuple[str, str]]:
        """Every (project, framework) the ledger has records for, sorted."""
        from sqlalchemy import select

        table = self.table
        query = (
            select(table.c.project, table.c.framework)
            .distinct()
            .order_by(table.c.project, table.c.framework)
        )
        return [(row["project"], row["framework"]) for row in self._rows(query)]

    def verify(self) -> tuple[list[str], int, str]:
        """Problems in the chain (one line each, naming the record), the record count, and
        the head hash."""
        from sqlalchemy import select

        problems: list[str] = []
        expected_seq, prev_hash, count = 1, GENESIS, 0
        for row in self._rows(select(self.table).order_by(self.table.c.seq)):
            count += 1
            seq = row["seq"]
            name = (
                f"record {seq} ({row['project']}: {row['framework']} {row['control']}, "
                f"run {row['run_id']})"
            )
            if seq > expected_seq:
                missing = (
                    f"record {expected_seq} is"
                    if seq == expected_seq + 1
                    else f"records {expected_seq}..{seq - 1} are"
                )
                problems.append(f"{missing} missing before record {seq}: deleted")
            elif row["prev_hash"] != prev_hash:
                before = f"record {seq - 1}" if seq > 1 else "the start of the chain"
                problems.append(
                    f"{name}: prev_hash does not match the hash of {before}: the chain is broken"
                )
            if record_hash(row, row["prev_hash"]) != row["hash"]:
                problems.append(f"{name}: its fields do not match its hash: the record was edited")
            expected_seq, prev_hash = seq + 1, row["hash"]
        return problems, count, prev_hash

    def _head(self, conn: Any) -> tuple[int, str]:
        from sqlalchemy import select

        table = self.table
        row = conn.execute(
            select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)
        ).first()
        return (0, GENESIS) if row is None else (int(row.seq), str(row.hash))

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.connect() as conn:
                return [dict(row._mapping) for row in conn.execute(query)]
        except SQLAlchemyError as exc:
            raise HistoryError(f"cannot read history from {self.shown_url}: {_why(exc)}") from exc


def _open(url: str, shown: str, create: bool) -> tuple[Engine, Table]:
    from sqlalchemy import MetaData, create_engine, inspect
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    path = sqlite_path(url)
    if path is not None and not create and not path.is_file():
        raise UsageError(f"no history store at {path}")
    if path is not None and create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"cannot create the history folder {path.parent}: {exc.strerror}"
            ) from exc
    metadata = MetaData()
    table = _table(metadata)
    try:
        engine = create_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise UsageError(f"bad history URL {shown}: {_why(exc)}") from exc
    try:
        if create:
            metadata.create_all(engine)
        elif not inspect(engine).has_table(TABLE_NAME):
            raise UsageError(f"{shown} holds no ledgerguard history (no {TABLE_NAME} table)")
    except SQLAlchemyError as exc:
        engine.dispose()
        raise HistoryError(f"cannot open history store {shown}: {_why(exc)}") from exc
    return engine, table


def _table(metadata: MetaData) -> Table:
    """The ledger's table; `seq` is assigned by the writer so that it can be hashed."""
    from sqlalchemy import Boolean, Column, Integer, String, Table

    return Table(
        TABLE_NAME,
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=False),
        Column("run_id", String(36), nullable=False, index=True),
        Column("recorded_at", String(20), nullable=False),
        Column("project", String(200), nullable=False, index=True),
        Column("git_commit", String(64)),
        Column("dirty", Boolean),
        Column("framework", String(64), nullable=False, index=True),
        Column("control", String(64), nullable=False),
        Column("status", String(16), nullable=False),
        Column("failed", Integer, nullable=False),
        Column("passed", Integer, nullable=False),
        Column("waived", Integer, nullable=False),
        Column("prev_hash", String(64), nullable=False, unique=True),
        Column("hash", String(64), nullable=False, unique=True),
    )


def _why(exc: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's help-link trailer."""
    origin = getattr(exc, "orig", None) or exc
    text = str(origin).strip().splitlines()
    return text[0] if text else type(origin).__name__


def format_table(project: str, framework: str, runs: list[RunColumn]) -> str:
    """Each control's status over the runs: one row per control, one column per run."""
    if not runs:
        return f"{framework} in {project}: no evidence runs recorded\n"
    controls: list[str] = []
    for run in runs:
        controls.extend(c for c in run.statuses if c not in controls)
    first = max(len("control"), *(len(c) for c in controls))
    headers = [
        (run.recorded_at[:16].replace("T", " "), (run.git_commit or "no git")[:7]) for run in runs
    ]
    width = max(16, *(len(s) for run in runs for s in run.statuses.values()))
    lines = [
        f"{framework} in {project}: {len(runs)} run{'s' if len(runs) != 1 else ''}, "
        f"{runs[0].recorded_at} to {runs[-1].recorded_at}",
        "  ".join(["control".ljust(first), *(h[0].ljust(width) for h in headers)]).rstrip(),
        "  ".join(
            [
                "".ljust(first),
                *(
                    (h[1] + ("*" if run.dirty else "")).ljust(width)
                    for h, run in zip(headers, runs, strict=True)
                ),
            ]
        ).rstrip(),
    ]
    for control in controls:
        cells = [run.statuses.get(control, "-").ljust(width) for run in runs]
        lines.append("  ".join([control.ljust(first), *cells]).rstrip())
    if any(run.dirty for run in runs):
        lines.append("* the scanned code had uncommitted changes")
    return "\n".join(lines) + "\n"
