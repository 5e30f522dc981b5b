"""Several programs on one store: two imports at once, reads while an import writes.

PostgreSQL: writers take turns on the store's advisory lock (a second import waits, or is
refused after the timeout naming the session that writes) and every read is one snapshot.
DuckDB: one program holds the file; another waits, or is refused naming the holder.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import assess.io.store.imports as store_imports
import assess.io.store.reads as store_reads
from assess.core.dataset import Dataset
from assess.core.errors import StoreError
from assess.io.store import Store, read_store
from test_store import row_counts, tiny_dataset


def changed_dataset() -> Dataset:
    """tiny_dataset with every point value and every event severity changed."""
    data = tiny_dataset()
    data.points["value"] = data.points["value"] + 100.0
    data.events["severity"] = "9"
    return data


def hold_advisory_lock(url: str, name: str):
    """A raw session holding the store's write lock, as another analyst's import would."""
    import psycopg

    con = psycopg.connect(url, autocommit=True, application_name=name)
    con.execute("BEGIN")
    con.execute("SELECT pg_advisory_xact_lock(1634956133, hashtext(current_schema()))")
    return con


@pytest.fixture
def url(postgres_database) -> str:
    return postgres_database()


# --------------------------------------------------------------------------- PostgreSQL


def test_second_import_is_refused_after_the_timeout_naming_the_writer(url, monkeypatch):
    monkeypatch.setenv("ASSESS_STORE_TIMEOUT", "0.5")
    with Store.open(url) as store:
        store.import_dataset(Dataset(units=tiny_dataset().units))
    before = row_counts(url)
    holder = hold_advisory_lock(url, "analyst-A: assess import")
    try:
        started = time.monotonic()
        with Store.open(url) as store:
            with pytest.raises(StoreError, match=r"is being written by another session") as info:
                store.import_dataset(tiny_dataset())
        assert time.monotonic() - started >= 0.5
    finally:
        holder.close()
    message = str(info.value)
    assert "analyst-A: assess import" in message and "user postgres" in message
    assert "正由另一会话写入" in message and "within 0.5 s; nothing was written" in message
    assert row_counts(url) == before
    with Store.open(url) as store:  # once released, the same import goes through
        assert store.import_dataset(tiny_dataset()).import_id == 2


def test_second_import_waits_for_the_first(url, monkeypatch):
    monkeypatch.setenv("ASSESS_STORE_TIMEOUT", "30")
    with Store.open(url) as store:
        store.import_dataset(Dataset(units=tiny_dataset().units))
    holder = hold_advisory_lock(url, "analyst-A")
    release = threading.Timer(1.0, holder.close)
    release.start()
    started = time.monotonic()
    with Store.open(url) as store:
        summary = store.import_dataset(tiny_dataset())
    release.join()
    assert time.monotonic() - started >= 1.0
    assert summary.import_id == 2


def test_two_imports_at_once_both_land(url):
    data = tiny_dataset()
    Store.open(url).close()
    parts = [Dataset(units=data.units, staff=data.staff), Dataset(points=data.points)]
    done: list[int | None] = []
    errors: list[BaseException] = []

    def run(part: Dataset) -> None:
        try:
            with Store.open(url) as store:
                done.append(store.import_dataset(part).import_id)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(done) == [1, 2]  # one after the other, neither lost
    back = read_store(url, ["units", "staff", "points"])
    assert (len(back.units), len(back.staff), len(back.points)) == (5, 3, 5)


def test_reads_during_an_import_see_the_old_or_the_new_revision(url, monkeypatch):
    old, new = tiny_dataset(), changed_dataset()
    with Store.open(url) as store:
        store.import_dataset(old)
    real_write = store_imports._write_table

    def slow_write(con, plan, import_id):
        time.sleep(0.15)  # the import is long: readers come in between its tables
        real_write(con, plan, import_id)

    monkeypatch.setattr(store_imports, "_write_table", slow_write)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            with Store.open(url) as store:
                store.import_dataset(new, replace=True)
        except BaseException as exc:  # a thread's error would otherwise vanish
            failures.append(exc)

    def revision() -> str:
        data = read_store(url, ["points", "events"])
        points_new = data.points["value"].min() >= 50.0
        points_old = data.points["value"].max() < 50.0
        events_new = (data.events["severity"] == "9").all()
        events_old = (data.events["severity"] != "9").all()
        assert (points_new and events_new) or (points_old and events_old), "a mixed read"
        return "new" if points_new else "old"

    writer = threading.Thread(target=write, daemon=True)
    seen = []
    writer.start()
    while writer.is_alive() or len(seen) < 3:
        seen.append(revision())
    writer.join()
    assert failures == []
    # A read that began before the commit may end after it: the store is new from then on.
    seen.append(revision())
    assert seen[0] == "old" and seen[-1] == "new"
    assert seen == sorted(seen, key=["old", "new"].index)  # never back to the old one


def test_one_read_is_one_snapshot_even_if_an_import_commits_inside_it(url, monkeypatch):
    old, new = tiny_dataset(), changed_dataset()
    with Store.open(url) as store:
        store.import_dataset(old)
    real_read = store_reads._read_table
    calls = []

    def read_then_import(con, table, *args):
        frame = real_read(con, table, *args)
        if not calls:  # after the first table, another analyst's import commits
            with Store.open(url) as other:
                assert other.import_dataset(new, replace=True).import_id == 2
        calls.append(table.name)
        return frame

    monkeypatch.setattr(store_reads, "_read_table", read_then_import)
    data = read_store(url, ["points", "events"])
    assert calls == ["points", "events"]  # the import committed between the two
    assert data.points["value"].max() < 50.0 and (data.events["severity"] != "9").all()
    monkeypatch.setattr(store_reads, "_read_table", real_read)
    assert read_store(url, "points").points["value"].min() >= 50.0  # a new read sees it


# --------------------------------------------------------------------------- DuckDB

_HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_file(path: Path, seconds: float) -> subprocess.Popen:
    """Another program with the store file open for writing for ``seconds``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_duckdb_file_held_by_another_program_is_refused_naming_it(tmp_path, monkeypatch):
    path = tmp_path / "assess.duckdb"
    with Store.open(path) as store:
        store.import_dataset(Dataset(units=tiny_dataset().units))
    monkeypatch.setenv("ASSESS_STORE_TIMEOUT", "0.3")
    proc = hold_file(path, 30)
    try:
        for attempt in (lambda: Store.open(path), lambda: read_store(path)):
            with pytest.raises(StoreError, match=rf"held by another program \(PID {proc.pid}"):
                attempt()
        with pytest.raises(StoreError, match="正被另一程序占用") as info:
            Store.open(path).import_dataset(tiny_dataset())
    finally:
        proc.kill()
        proc.wait()
    message = str(info.value)
    assert "`python" in message and "import sys, time, duckdb" in message  # its command line
    assert "within 0.3 s" in message and "--store postgresql://" in message
    assert len(read_store(path).staff) == 0  # nothing of the refused import got in


def test_duckdb_reader_waits_for_the_writing_program(tmp_path, monkeypatch):
    path = tmp_path / "assess.duckdb"
    with Store.open(path) as store:
        store.import_dataset(Dataset(units=tiny_dataset().units))
    monkeypatch.setenv("ASSESS_STORE_TIMEOUT", "30")
    proc = hold_file(path, 1.0)
    started = time.monotonic()
    try:
        units = read_store(path, "units").units
    finally:
        proc.wait()
    assert time.monotonic() - started >= 0.5
    assert len(units) == 5


def test_bad_timeout_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "assess.duckdb"
    Store.open(path).close()
    monkeypatch.setenv("ASSESS_STORE_TIMEOUT", "soon")
    proc = hold_file(path, 30)
    try:
        with pytest.raises(StoreError, match=r"ASSESS_STORE_TIMEOUT must be a number.*'soon'"):
            Store.open(path)
    finally:
        proc.kill()
        proc.wait()


def test_a_folder_is_not_a_store(tmp_path):
    with pytest.raises(StoreError, match=r"is a folder, not a store file; give the path of"):
        Store.open(tmp_path)
    with pytest.raises(StoreError, match=r"unsupported store URL mysql://u@h/db \(mysql://\)"):
        Store.open("mysql://u@h/db")
