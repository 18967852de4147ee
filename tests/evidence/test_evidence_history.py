"""The history ledger on SQLite and on a real PostgreSQL server: append, show, verify, tamper."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from scanner.evidence.history import (
    GENESIS,
    ControlEntry,
    HistoryStore,
    RunInfo,
    format_table,
    record_hash,
)
from tests.evidence.conftest import require, run_cli

POSTGRES_ENV = "LEDGERGUARD_TEST_POSTGRES_URL"


def run(
    run_id: str, day: str, commit: str | None, dirty: bool | None, project: str = "payments"
) -> RunInfo:
    return RunInfo(run_id, f"{day}T08:00:00Z", project, commit, dirty)


def entries(*statuses: str) -> list[ControlEntry]:
    return [
        ControlEntry("evtest", f"EV-{i}", status, int(status == "failed"), 1, 0)
        for i, status in enumerate(statuses, start=1)
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A history store URL with no ledger in it yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.db'}"
        return
    url = os.environ.get(POSTGRES_ENV, "")
    require(bool(url), "PostgreSQL", f"set {POSTGRES_ENV} (bash .ci/services.sh starts one)")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS ledgerguard_history"))
    yield url
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS ledgerguard_history"))
    engine.dispose()


@pytest.fixture
def ledger(url: str) -> str:
    """A store with three runs of three controls of project `payments` (records 1-6, 8-10)
    and one run of another project between them (record 7)."""
    store = HistoryStore(url)
    store.append(run("run-a", "2025-01-10", "a" * 40, False), entries("failed", "passed", "manual"))
    store.append(run("run-b", "2025-02-10", "b" * 40, True), entries("passed", "passed", "manual"))
    store.append(run("other", "2025-02-11", "c" * 40, False, "cards"), entries("failed"))
    store.append(run("run-c", "2025-03-10", None, None), entries("passed", "waived", "manual"))
    store.close()
    return url


def tamper(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def verify(url: str) -> list[str]:
    store = HistoryStore(url, create=False)
    problems, _, _ = store.verify()
    store.close()
    return problems


def rows(url: str) -> list[dict[str, Any]]:
    """The ledger's records as the store's typed table reads them."""
    store = HistoryStore(url, create=False)
    with store.engine.connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(select(store.table).order_by("seq"))]
    store.close()
    return found


def test_records_chain_from_genesis(ledger: str) -> None:
    records = rows(ledger)

    assert [r["seq"] for r in records] == list(range(1, 11))
    assert records[0]["prev_hash"] == GENESIS
    assert all(records[i]["prev_hash"] == records[i - 1]["hash"] for i in range(1, 10))
    assert all(record_hash(r, r["prev_hash"]) == r["hash"] for r in records)
    assert verify(ledger) == []


def test_history_table_shows_each_control_over_the_runs(ledger: str) -> None:
    store = HistoryStore(ledger, create=False)
    runs = store.runs("payments", "evtest")
    since = store.runs("payments", "evtest", since="2025-02-01T00:00:00Z")
    series = store.series()
    store.close()

    assert format_table("payments", "evtest", runs) == (
        "evtest in payments: 3 runs, 2025-01-10T08:00:00Z to 2025-03-10T08:00:00Z\n"
        "control  2025-01-10 08:00  2025-02-10 08:00  2025-03-10 08:00\n"
        "         aaaaaaa           bbbbbbb*          no git\n"
        "EV-1     failed            passed            passed\n"
        "EV-2     passed            passed            waived\n"
        "EV-3     manual            manual            manual\n"
        "* the scanned code had uncommitted changes\n"
    )
    assert [column.run_id for column in since] == ["run-b", "run-c"]
    assert series == [("cards", "evtest"), ("payments", "evtest")]


def test_an_edited_record_is_named(ledger: str) -> None:
    tamper(ledger, "UPDATE ledgerguard_history SET status = 'passed' WHERE seq = 1")

    assert verify(ledger) == [
        "record 1 (payments: evtest EV-1, run run-a): its fields do not match its hash: "
        "the record was edited"
    ]


def test_a_deleted_record_is_named(ledger: str) -> None:
    tamper(ledger, "DELETE FROM ledgerguard_history WHERE seq = 5")

    assert verify(ledger) == ["record 5 is missing before record 6: deleted"]


def test_deleted_leading_records_are_named(ledger: str) -> None:
    tamper(ledger, "DELETE FROM ledgerguard_history WHERE seq <= 3")

    assert verify(ledger) == ["records 1..3 are missing before record 4: deleted"]


def test_a_rewritten_record_breaks_the_next_link(ledger: str) -> None:
    row = rows(ledger)[3]
    row["status"] = "failed"
    forged = record_hash(row, row["prev_hash"])

    tamper(
        ledger,
        f"UPDATE ledgerguard_history SET status = 'failed', hash = '{forged}' WHERE seq = 4",
    )

    assert verify(ledger) == [
        "record 5 (payments: evtest EV-2, run run-b): prev_hash does not match the hash of "
        "record 4: "
        "the chain is broken"
    ]


def test_history_verify_command_exits_one_on_a_broken_chain(ledger: str) -> None:
    intact = run_cli("history", "verify", "--history", ledger)
    tamper(ledger, "UPDATE ledgerguard_history SET passed = 7 WHERE seq = 9")
    broken = run_cli("history", "verify", "--history", ledger)

    assert intact.returncode == 0
    assert intact.stdout.startswith(f"{display(ledger)}: 10 records, chain intact; head ")
    assert broken.returncode == 1
    assert broken.stdout == (
        "record 9 (payments: evtest EV-2, run run-c): its fields do not match its hash: "
        "the record was edited\n"
    )
    assert broken.stderr == f"{display(ledger)}: the history chain is broken\n"


def test_history_command_prints_the_table(ledger: str) -> None:
    proc = run_cli("history", "--framework", "evtest", "--since", "2025-03-01", "--history", ledger)
    other = run_cli("history", "--project", "cards", "--history", ledger)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "evtest in payments: 1 run, 2025-03-10T08:00:00Z to 2025-03-10T08:00:00Z\n"
        "control  2025-03-10 08:00\n"
        "         no git\n"
        "EV-1     passed\n"
        "EV-2     waived\n"
        "EV-3     manual\n"
    )
    assert other.stdout.splitlines()[0] == (
        "evtest in cards: 1 run, 2025-02-11T08:00:00Z to 2025-02-11T08:00:00Z"
    )


def display(url: str) -> str:
    store = HistoryStore(url, create=False)
    store.close()
    return store.shown_url


def test_history_commands_reject_a_store_without_a_ledger(tmp_path: Path) -> None:
    missing = run_cli("history", "--history", f"sqlite:///{tmp_path / 'none.db'}")
    bad_since = run_cli("history", "--since", "last tuesday", "--history", "sqlite://")

    assert missing.returncode == 2
    assert missing.stderr == f"ledgerguard: error: no history store at {tmp_path / 'none.db'}\n"
    assert not (tmp_path / "none.db").exists()
    assert bad_since.returncode == 2
    assert bad_since.stderr == (
        "ledgerguard: error: --since: not a date: 'last tuesday' (use YYYY-MM-DD)\n"
    )


def test_concurrent_writers_keep_one_chain(url: str) -> None:
    HistoryStore(url).close()
    failures: list[BaseException] = []

    def writer(name: str) -> None:
        store = HistoryStore(url)
        try:
            for k in range(5):
                store.append(run(f"{name}-{k}", "2025-01-10", None, None), entries("passed"))
        except BaseException as exc:  # handed to the test thread, which asserts none happened
            failures.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    store = HistoryStore(url, create=False)
    problems, count, _ = store.verify()
    store.close()
    assert (problems, count) == ([], 20)
