"""Shared fixtures: a seeded random generator and figures closed after each test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    """The small demo inputs (CSV folder), generated once per test session."""
    from assess.io.demo import generate

    folder = tmp_path_factory.mktemp("demo") / "small"
    generate(folder, size="small", seed=7, progress=False)
    return folder


@pytest.fixture(scope="session")
def small_dataset(small_demo):
    """The small demo, validated."""
    from assess.io.validation import load_inputs

    return load_inputs(small_demo)


# --------------------------------------------------------------------------- PostgreSQL

_PG_SKIP = (
    "PostgreSQL store tests skipped: no server. Set ASSESS_TEST_POSTGRES=postgresql://... or "
    "install Debian's postgresql (apt-get install -y postgresql) so that the tests can start "
    "a throwaway cluster; .ci/run does both"
)


def _pg_binaries() -> tuple[str, str] | None:
    import glob
    import shutil

    for folder in [None, *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        initdb, pg_ctl = shutil.which("initdb", path=folder), shutil.which("pg_ctl", path=folder)
        if initdb and pg_ctl:
            return initdb, pg_ctl
    return None


def _start_postgres() -> tuple[str, object] | str:
    """``(url, stop)`` of a throwaway cluster in a temporary folder, or why it cannot start."""
    import os
    import shutil
    import socket
    import subprocess
    import tempfile

    binaries = _pg_binaries()
    if binaries is None:
        return "initdb/pg_ctl not found"
    initdb, pg_ctl = binaries
    prefix: list[str] = []
    folder = tempfile.mkdtemp(prefix="assess-pg-")
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user"
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = os.path.join(folder, "data")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        subprocess.run(
            [*prefix, initdb, "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
             "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        subprocess.run(
            [*prefix, pg_ctl, "-D", data, "-o", options, "-l", os.path.join(folder, "log"),
             "-w", "start"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return f"the throwaway cluster did not start ({exc})"

    def stop() -> None:
        subprocess.run(
            [*prefix, pg_ctl, "-D", data, "-m", "immediate", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a PostgreSQL server for the store tests: ``ASSESS_TEST_POSTGRES``, or a
    throwaway cluster started here; the tests skip, saying why, when neither is possible."""
    import os

    import psycopg  # noqa: F401  (a dependency: a broken install must fail, not skip)

    given = os.environ.get("ASSESS_TEST_POSTGRES")
    if given:
        yield given
        return
    started = _start_postgres()
    if isinstance(started, str):
        pytest.skip(f"{_PG_SKIP} ({started})")
    url, stop = started
    try:
        yield url
    finally:
        stop()  # type: ignore[operator]


@pytest.fixture(scope="session")
def _postgres_test_database(postgres_server):
    """The URL of one database of the test server that holds the stores of this session."""
    import urllib.parse
    import uuid

    import psycopg

    name = f"assess_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    yield urllib.parse.urlsplit(postgres_server)._replace(path=f"/{name}", query="").geturl()
    with psycopg.connect(postgres_server, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_database(_postgres_test_database):
    """A factory of fresh, empty stores on the test server, each given as a URL (a schema
    of its own, chosen by the URL's search_path); all are dropped after the test."""
    import uuid

    import psycopg

    made: list[str] = []

    def make() -> str:
        name = f"store_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_postgres_test_database, autocommit=True) as con:
            con.execute(f'CREATE SCHEMA "{name}"')
        made.append(name)
        return f"{_postgres_test_database}?options=-csearch_path%3D{name}"

    yield make
    with psycopg.connect(_postgres_test_database, autocommit=True) as con:
        for name in made:
            con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
