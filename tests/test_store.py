"""Tests of the store: round trip, idempotency, no-overwrite, revisions, atomicity.

Every test taking the ``path`` (or ``store``) fixture runs twice: on a DuckDB file and on a
fresh database of a PostgreSQL server (see ``postgres_database`` in conftest.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

import assess.io.store.hashing as store_hashing
import assess.io.store.imports as store_imports
import assess.io.store.reads as store_reads
from assess.core.dataset import Dataset
from assess.core.errors import InputError, ParameterError, StoreConflictError, StoreError
from assess.core.schema import TABLES
from assess.io.store import Store, read_store

# The dtypes assess.core.dataset.Dataset documents for a validated input, written out here
# independently of the store so the test checks the store against the documentation.
DOCUMENTED_DTYPES = {
    "text": "str",
    "choice": "str",
    "month": "str",
    "quarter": "str",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "date": "datetime64[ns]",
}
NA = None


def typed(name: str, rows: list[tuple]) -> pd.DataFrame:
    """A frame of table ``name`` from tuples in declared column order, with documented dtypes."""
    table = TABLES[name]
    frame = pd.DataFrame(rows, columns=table.column_names, dtype=object)
    for col in table.columns:
        values = frame[col.name]
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(values).astype("datetime64[ns]")
        elif col.kind == "float":
            frame[col.name] = pd.to_numeric(values).astype("float64")
        else:
            frame[col.name] = values.astype(DOCUMENTED_DTYPES[col.kind])
    return frame


def tiny_dataset() -> Dataset:
    """Every table, valid and small; facts span 2026Q1 and 2026Q2; codes have leading zeros."""
    return Dataset(
        units=typed(
            "units",
            [
                ("01", "省公司", "province", NA),
                ("0101", "市公司", "city", "01"),
                ("010101", "县公司", "county", "0101"),
                ("01010101", "第一支部", "branch", "010101"),
                ("01010102", "第二支部", "branch", "010101"),
            ],
        ),
        staff=typed(
            "staff",
            [
                ("00123", "张三", "01010101", True, "班长", "2010-03-01", NA),
                ("00124", "李四", "01010101", False, NA, NA, NA),
                ("00125", "王五", "01010102", True, "技术员", "2015-07-15", "2026-04-30"),
            ],
        ),
        points=typed(
            "points",
            [
                ("00123", "2026Q1", "study", 5.0, "E001"),
                ("00123", "2026Q1", "duty", 3.5, NA),
                ("00125", "2026Q1", "study", 4.0, "E002"),
                ("00123", "2026Q2", "study", 6.0, "E010"),
                ("00125", "2026Q2", "duty", -1.0, "E011"),
            ],
        ),
        events=typed(
            "events",
            [
                ("V0001", "2026-03-31", "01010101", "00124", "violation", "1", "T-0001"),
                ("C0001", "2026-04-01", "01010102", NA, "complaint", "2", NA),
                ("C0002", "2026-06-30", "01010102", "00125", "complaint", "3", "W-77"),
            ],
        ),
        exposure=typed(
            "exposure",
            [
                ("01010101", "2026-03", 20, 12, 300, 1000),
                ("01010101", "2026-04", 21, 12, 310, 1000),
                ("01010102", "2026-03", 15, 9, NA, 800),
                ("01010102", "2026-04", 15, 9, 200, 800),
            ],
        ),
        kpis=typed(
            "kpis",
            [
                ("0101", "2026-01", "sales_gwh", 12.5),
                ("0101", "2026-05", "sales_gwh", 13.25),
            ],
        ),
        exam_items=typed(
            "exam_items",
            [
                ("Q001", "党史", "single", "B", 2.0),
                ("Q002", "党章", "multiple", "ACD", 3.0),
                ("Q003", "党规", "scored", NA, 10.0),
            ],
        ),
        exam_responses=typed(
            "exam_responses",
            [
                ("00123", "2026Q1", "Q001", "B", 2.0),
                ("00123", "2026Q1", "Q002", "AC", 0.0),
                ("00125", "2026Q2", "Q003", NA, 7.5),
            ],
        ),
        projects=typed(
            "projects",
            [
                (
                    "P01",
                    "01010101",
                    "配网抢修提速",
                    "secretary",
                    "2026-01-10",
                    "2026-06-30",
                    NA,
                    True,
                ),
                (
                    "P02",
                    "01010102",
                    "党建+优质服务",
                    "party_plus",
                    "2026-02-01",
                    "2026-12-31",
                    "2026-05-20",
                    NA,
                ),
            ],
        ),
        milestones=typed(
            "milestones",
            [
                ("P01", "M1", "方案", "2026-02-01", "2026-02-03"),
                ("P01", "M2", "实施", "2026-05-01", NA),
            ],
        ),
        problems=typed(
            "problems",
            [
                ("PR01", "01010101", "1", "台账", "巡察", "2026-01-05", "2026-02-05", "2026-02-01"),
                ("PR02", "01010102", "4", "换届", "考评", "2026-03-01", "2026-06-30", NA),
            ],
        ),
        duties=typed(
            "duties",
            [
                ("D01", "01010101", "dues", "2026-03-31", "2026-03-25", 12, 12),
                ("D02", "01010102", "meeting", "2026-04-30", NA, NA, NA),
            ],
        ),
        campaign=typed(
            "campaign",
            [
                ("SW", "三无三当", "0101", "2026-05-01"),
            ],
        ),
    )


def sorted_by_key(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame.sort_values(list(TABLES[name].key)).reset_index(drop=True)


def assert_same_tables(got: Dataset, expected: Dataset) -> None:
    for name, frame in expected.items():
        assert_frame_equal(sorted_by_key(got.table(name), name), sorted_by_key(frame, name))


def raw(path: Path | str, sql: str) -> list[tuple]:
    """Run SQL on the store's database directly, past the Store (DuckDB or PostgreSQL)."""
    if isinstance(path, str) and path.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(path, autocommit=True) as con:
            cur = con.execute(sql)
            return cur.fetchall() if cur.description else []
    with duckdb.connect(str(path)) as con:  # shares the instance of an open Store
        return con.execute(sql).fetchall()


def row_counts(path: Path | str) -> dict[str, int]:
    names = [
        *TABLES,
        "imports",
        "import_files",
        "import_actions",
        "partition_revisions",
        "publications",
        "publication_tables",
    ]
    return {n: raw(path, f'SELECT count(*) FROM "{n}"')[0][0] for n in names}


@pytest.fixture(params=["duckdb", "postgres"])
def path(request, tmp_path: Path) -> Path | str:
    """Where a new store goes: a DuckDB file, or the URL of an empty PostgreSQL database."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_database")()
    return tmp_path / "data" / "assess.duckdb"


@pytest.fixture
def store(path: Path):
    with Store.open(path) as opened:
        yield opened


def test_round_trip_keeps_values_and_dtypes(store: Store) -> None:
    data = tiny_dataset()
    summary = store.import_dataset(data)
    back = store.read()
    assert_same_tables(back, data)
    for name, frame in back.items():
        for col in TABLES[name].columns:
            assert str(frame[col.name].dtype) == DOCUMENTED_DTYPES[col.kind], (name, col.name)
    assert summary.import_id == 1
    assert set(summary.to_frame()["action"]) == {"added"}


def test_leading_zeros_and_dates_survive(store: Store) -> None:
    store.import_dataset(tiny_dataset())
    back = store.read(["units", "staff"])
    assert back.units["unit_code"].tolist() == ["01", "0101", "010101", "01010101", "01010102"]
    assert back.staff["person_id"].tolist() == ["00123", "00124", "00125"]
    assert back.staff["joined"].dtype == np.dtype("datetime64[ns]")
    assert back.staff.loc[2, "left"] == pd.Timestamp("2026-04-30")
    assert back.staff["left"].isna().tolist() == [True, True, False]
    assert len(back.points) == 0  # tables not asked for stay empty


def test_facts_are_partitioned_by_quarter_of_their_period(store: Store) -> None:
    store.import_dataset(tiny_dataset())
    parts = store.partitions()
    by_table = parts.groupby("table_name")["partition"].apply(sorted).to_dict()
    # events on 2026-03-31 and 2026-04-01 fall in different quarters; months 03/04 likewise
    assert by_table["events"] == ["2026Q1", "2026Q2"]
    assert by_table["exposure"] == ["2026Q1", "2026Q2"]
    assert by_table["kpis"] == ["2026Q1", "2026Q2"]
    assert by_table["points"] == ["2026Q1", "2026Q2"]
    assert by_table["exam_responses"] == ["2026Q1", "2026Q2"]
    assert by_table["staff"] == ["*"]
    rows = parts.set_index(["table_name", "partition"])["n_rows"]
    assert rows["points", "2026Q1"] == 3 and rows["events", "2026Q2"] == 2
    assert parts["active"].all() and (parts["revision"] == 1).all()


def test_import_twice_writes_nothing(store: Store, path: Path) -> None:
    store.import_dataset(tiny_dataset())
    before = row_counts(path)
    again = store.import_dataset(tiny_dataset())
    assert again.import_id is None and not again.written
    assert set(again.actions["action"]) == {"unchanged"}
    assert row_counts(path) == before
    n = len(again.actions)
    assert again.summary() == (
        f"与数据库 {path} 中的内容完全相同，未写入任何数据（{n} 个分区未变）。\n"
        f"Identical to store {path}; nothing written ({n} partitions unchanged)."
    )


def test_row_order_does_not_change_the_content(store: Store, path: Path, rng) -> None:
    data = tiny_dataset()
    store.import_dataset(data)
    fingerprint = store.content_sha256()
    shuffled = Dataset(
        **{
            name: frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
            for name, frame in data.items()
        }
    )
    assert not store.import_dataset(shuffled).written
    assert store.content_sha256() == fingerprint


def test_partition_hash_ignores_arrow_layout_but_not_content() -> None:
    base = pa.table({"a": pa.array(["x", None, "yz"]), "b": [1.0, -0.0, None]})
    digest = store_hashing.partition_sha256
    same = [
        pa.table({"a": pa.array(["x", None, "yz"], type=pa.large_string()), "b": [1.0, 0.0, None]}),
        pa.concat_tables([base.slice(0, 1), base.slice(1)]),  # two chunks
        pa.table({"a": ["q", "x", None, "yz"], "b": [9.0, 1.0, 0.0, None]}).slice(1),  # offset
        base.append_column("c", pa.nulls(3, pa.string())),  # an empty optional column
    ]
    for table in same:
        assert digest(table) == digest(base)
    different = [
        pa.table({"a": ["xy", None, "z"], "b": [1.0, 0.0, None]}),  # same bytes, other split
        pa.table({"a": ["x", "", "yz"], "b": [1.0, 0.0, None]}),  # empty text is not missing
        pa.table({"a": ["x", None, "yz"], "b": [1.0, 0.0, 0.0]}),  # zero is not missing
        pa.table({"b": ["x", None, "yz"], "a": [1.0, 0.0, None]}),  # columns renamed
    ]
    assert len({digest(t) for t in different} | {digest(base)}) == len(different) + 1


def test_partition_hash_follows_its_documented_form(store: Store) -> None:
    # Recomputed by hand with hashlib: rows sorted by key; per column a missing-flag byte per
    # row, 64-bit little-endian text lengths, the UTF-8 bytes, then "\n<name>:<family>\n".
    # Pinning it guards every existing store: a library upgrade that changed the hash would
    # make every imported quarter look changed.
    store.import_dataset(tiny_dataset())
    units = sorted_by_key(tiny_dataset().units, "units")
    h = hashlib.sha256(b"rows=5\n")
    for name in TABLES["units"].column_names:
        values = units[name].tolist()
        h.update(bytes(int(pd.isna(v)) for v in values))
        text = ["" if pd.isna(v) else v for v in values]
        h.update(np.array([len(t.encode()) for t in text], dtype="<i8").tobytes())
        h.update("".join(text).encode())
        h.update(f"\n{name}:text\n".encode())
    parts = store.partitions().set_index(["table_name", "partition"])["sha256"]
    assert parts["units", "*"] == h.hexdigest()
    assert h.hexdigest() == "0d5b41c0efbdd40c14d64eaed157387de780c143eededee141781433aac58a00"


def test_empty_dataset_writes_nothing(store: Store) -> None:
    summary = store.import_dataset(Dataset())
    assert not summary.written and summary.actions.empty
    assert summary.summary() == (
        "数据集为空，未写入任何数据。\nThe dataset is empty; nothing written."
    )


def test_empty_optional_column_read_as_floats_hashes_like_text(store: Store) -> None:
    data = tiny_dataset()
    store.import_dataset(data)
    # a reader may give an entirely empty optional text column as float NaN
    staff = data.staff.assign(post=np.nan)
    first = store.import_dataset(Dataset(staff=staff))
    assert first.actions["action"].tolist() == ["revised"]
    again = store.import_dataset(
        Dataset(staff=staff.assign(post=pd.Series([None] * 3, dtype="str")))
    )
    assert not again.written
    assert store.read("staff").staff["post"].isna().all()


def test_changed_quarter_without_replace_is_refused_and_nothing_written(
    store: Store, path: Path
) -> None:
    store.import_dataset(tiny_dataset())
    before = row_counts(path)
    data = tiny_dataset()
    data.points.loc[0, "value"] = 50.0  # 2026Q1
    data.exposure = pd.concat(  # one more row in 2026Q2
        [data.exposure, typed("exposure", [("0101", "2026-05", 40, 20, 10, 5)])]
    )
    data.kpis = typed("kpis", [("0101", "2026-08", "sales_gwh", 9.0)])  # a new quarter
    with pytest.raises(StoreConflictError, match="--replace") as info:
        store.import_dataset(data)
    message = str(info.value)
    assert "points 2026Q1: 3 rows in the store, 3 rows new" in message
    assert "exposure 2026Q2: 2 rows in the store, 3 rows new" in message
    assert "points（指标积分） 2026Q1：库中 3 行，新数据 3 行" in message
    assert "kpis" not in message
    assert row_counts(path) == before  # not even the new kpis quarter


def test_replace_makes_new_revision_and_keeps_previous_readable(store: Store) -> None:
    first = tiny_dataset()
    store.import_dataset(first)
    data = tiny_dataset()
    data.points.loc[0, "value"] = 50.0
    summary = store.import_dataset(data, replace=True, note="corrected points")
    replaced = summary.actions.set_index(["table", "partition"]).loc[("points", "2026Q1")]
    assert replaced["action"] == "replaced" and replaced["revision"] == 2
    assert (replaced["added"], replaced["removed"], replaced["changed"]) == (0, 0, 1)
    assert summary.summary() == (
        f"导入 #2 已写入 {store.path}：替换 1 个季度分区，17 个分区未变。\n"
        "  points（指标积分） 2026Q1：3 行 → 3 行（新增 0、删除 0、修改 1 行），第 2 版\n\n"
        f"Import #2 written to {store.path}: 1 quarter replaced, 17 unchanged.\n"
        "  points 2026Q1: 3 → 3 rows (0 added, 0 removed, 1 changed), revision 2"
    )
    html = summary._repr_html_()
    assert "导入结果 / Import summary" in html and "replaced" in html

    assert_same_tables(store.read(), data)
    assert_same_tables(store.read(import_id=1), first)
    parts = store.partitions()
    points_q1 = parts[(parts["table_name"] == "points") & (parts["partition"] == "2026Q1")]
    assert points_q1[["revision", "import_id", "active"]].values.tolist() == [
        [1, 1, False],
        [2, 2, True],
    ]
    imports = store.imports()
    assert imports["note"].tolist() == ["", "corrected points"]
    assert imports["replace"].tolist() == [False, True]
    assert imports[["added", "replaced", "unchanged"]].values.tolist()[1] == [0, 1, 17]
    assert imports["rows_written"].tolist()[1] == 3


def test_changed_register_is_revised_without_replace(store: Store) -> None:
    first = tiny_dataset()
    store.import_dataset(first)
    data = tiny_dataset()
    data.staff = typed(
        "staff",
        [
            ("00123", "张三", "01010101", True, "支部书记", "2010-03-01", NA),  # changed post
            ("00125", "王五", "01010102", True, "技术员", "2015-07-15", "2026-04-30"),
            ("00126", "赵六", "01010102", True, NA, "2026-05-06", NA),  # new; 00124 removed
        ],
    )
    summary = store.import_dataset(Dataset(staff=data.staff))
    assert summary.actions[
        [
            "table",
            "partition",
            "action",
            "rows",
            "revision",
            "previous_rows",
            "added",
            "removed",
            "changed",
        ]
    ].values.tolist() == [["staff", "*", "revised", 3, 2, 3, 1, 1, 1]]
    assert "  staff（人员）：3 行 → 3 行（新增 1、删除 1、修改 1 行），第 2 版" in summary.summary()
    assert "  staff: 3 → 3 rows (1 added, 1 removed, 1 changed), revision 2" in summary.summary()
    assert_frame_equal(store.read("staff").staff, sorted_by_key(data.staff, "staff"))
    assert_frame_equal(store.read("staff", import_id=1).staff, sorted_by_key(first.staff, "staff"))
    assert len(store.read("points").points) == 5  # tables not in the import are untouched


def test_import_is_atomic(store: Store, path: Path, monkeypatch) -> None:
    first = tiny_dataset()
    store.import_dataset(first)
    before = row_counts(path)
    fingerprint = store.content_sha256()
    data = tiny_dataset()
    data.units.loc[1, "unit_name"] = "市公司（更名）"
    data.staff.loc[0, "name"] = "张叁"
    data.kpis = typed("kpis", [("0101", "2026-08", "sales_gwh", 9.0)])
    data.exam_items.loc[0, "max_score"] = 2.5
    calls = []
    real_write = store_imports._write_table

    def failing_write(con, plan, import_id):
        calls.append(plan.table.name)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real_write(con, plan, import_id)

    monkeypatch.setattr(store_imports, "_write_table", failing_write)
    with pytest.raises(RuntimeError, match="disk full"):
        store.import_dataset(data)
    assert calls[:3] == ["units", "staff", "points"]  # two tables were written, then failure
    assert row_counts(path) == before
    assert store.content_sha256() == fingerprint
    assert_same_tables(store.read(), first)

    monkeypatch.setattr(store_imports, "_write_table", real_write)
    summary = store.import_dataset(data)  # the connection is usable after the rollback
    assert summary.import_id == 2
    assert sorted(summary.actions.query("action != 'unchanged'")["table"]) == [
        "exam_items",
        "kpis",
        "staff",
        "units",
    ]


def test_files_are_recorded_with_sha256_and_size(store: Store, tmp_path: Path) -> None:
    units_csv = tmp_path / "units.csv"
    units_csv.write_bytes("单位编码,单位名称\n0101,市公司\n".encode())
    staff_csv = tmp_path / "人员.csv"
    staff_csv.write_bytes("人员编号\n00123\n".encode("gb18030"))
    summary = store.import_dataset(
        tiny_dataset(), files={"units": units_csv, "staff": str(staff_csv)}
    )
    files = store.import_files()
    assert files["import_id"].tolist() == [1, 1]
    assert files["label"].tolist() == ["staff", "units"]
    for csv, row in zip([staff_csv, units_csv], files.itertuples(), strict=True):
        assert row.sha256 == hashlib.sha256(csv.read_bytes()).hexdigest()
        assert row.size_bytes == csv.stat().st_size
        assert row.path == str(csv.resolve())
    assert sorted(summary.files["sha256"]) == sorted(files["sha256"])
    assert summary.summary() == (
        f"导入 #1 已写入 {store.path}：新增 18 个分区（37 行），记录文件 2 个。\n\n"
        f"Import #1 written to {store.path}: 18 partitions added (37 rows), 2 files recorded."
    )
    with pytest.raises(InputError, match="missing.csv"):
        store.import_dataset(
            Dataset(kpis=typed("kpis", [("0101", "2027-01", "x", 1.0)])),
            files={"kpis": tmp_path / "missing.csv"},
        )


def test_import_actions_are_logged(store: Store) -> None:
    store.import_dataset(tiny_dataset())
    data = tiny_dataset()
    data.campaign = typed("campaign", [("SW", "三无三当", "0101", "2026-06-01")])
    store.import_dataset(Dataset(campaign=data.campaign, kpis=data.kpis))
    log = store.import_actions()
    second = log[log["import_id"] == 2]
    assert second[["table_name", "partition", "action", "n_rows", "revision"]].values.tolist() == [
        ["campaign", "*", "revised", 1, 2],
        ["kpis", "2026Q1", "unchanged", 1, 1],
        ["kpis", "2026Q2", "unchanged", 1, 1],
    ]


def test_content_fingerprint(store: Store, tmp_path: Path) -> None:
    # The other store is a DuckDB file: for a PostgreSQL store the hashes agree across
    # backends.
    empty = store.content_sha256()
    assert empty == hashlib.sha256(b"").hexdigest()
    store.import_dataset(tiny_dataset())
    full, staff_only = store.content_sha256(), store.content_sha256("staff")
    data = tiny_dataset()
    data.points.loc[0, "value"] = 50.0
    store.import_dataset(Dataset(points=data.points), replace=True)
    assert store.content_sha256() != full
    assert store.content_sha256("staff") == staff_only
    with Store.open(tmp_path / "other.duckdb") as other:  # same content, other store
        other.import_dataset(tiny_dataset())
        assert other.content_sha256() == full


def test_bad_input_types_are_refused(store: Store) -> None:
    data = tiny_dataset()
    staff = data.staff.astype({"person_id": object})
    staff.loc[0, "person_id"] = 123  # a code read as a number loses its zeros
    with pytest.raises(StoreError, match="column person_id of table staff"):
        store.import_dataset(Dataset(staff=staff))
    events = data.events.copy()
    events.loc[0, "date"] = pd.Timestamp("2026-03-31 13:30")
    with pytest.raises(StoreError, match="time of day"):
        store.import_dataset(Dataset(events=events))
    with pytest.raises(ParameterError, match="'dataset' must be an assess.core.dataset.Dataset"):
        store.import_dataset({"units": data.units})  # type: ignore[arg-type]
    assert store.imports().empty


def test_period_without_quarter_is_refused(store: Store) -> None:
    bad = typed("kpis", [("0101", "2026-13", "sales_gwh", 1.0)])
    with pytest.raises(StoreError, match=r"1 rows of table kpis have a month .*2026-13"):
        store.import_dataset(Dataset(kpis=bad))


def test_read_as_of_unknown_import(store: Store) -> None:
    store.import_dataset(tiny_dataset())
    with pytest.raises(ParameterError, match=r"'import_id' must be an import id of this store"):
        store.read(import_id=7)
    with pytest.raises(ParameterError, match="'tables' must be one of 'units'"):
        store.read(["people"])


def test_read_store_one_liner(path: Path) -> None:
    with Store.open(path) as store:
        store.import_dataset(tiny_dataset())
    data = read_store(path)
    assert_same_tables(data, tiny_dataset())
    assert data.sources["units"] == str(path)
    with Store.open(path) as store:  # the one-liner closed the file again
        assert len(store.imports()) == 1
        # and works while this process has the store open for writing
        assert len(read_store(path, "units").units) == 5


def test_read_only_store_refuses_writes(path: Path) -> None:
    Store.open(path).close()
    with Store.open(path, read_only=True) as store:
        with pytest.raises(StoreError, match="opened read-only"):
            store.import_dataset(tiny_dataset())


def test_opening_what_is_not_a_store(tmp_path: Path) -> None:
    text = tmp_path / "units.csv"
    text.write_text("unit_code\n0101\n")
    with pytest.raises(StoreError, match=r"units\.csv is not a DuckDB database file"):
        Store.open(text)
    assert text.read_text() == "unit_code\n0101\n"
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    with pytest.raises(StoreError, match=r"empty\.duckdb is not a DuckDB database file"):
        Store.open(empty, read_only=True)
    foreign = tmp_path / "other.duckdb"
    with duckdb.connect(str(foreign)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(StoreError, match=r"other\.duckdb is a DuckDB database but not an assess"):
        Store.open(foreign)
    with pytest.raises(StoreError, match=r"store .*missing\.duckdb not found"):
        Store.open(tmp_path / "missing.duckdb", create=False)
    with pytest.raises(StoreError, match="not found"):
        read_store(tmp_path / "missing.duckdb")
    assert not (tmp_path / "missing.duckdb").exists()


def test_store_from_a_newer_version_is_refused(path: Path) -> None:
    Store.open(path).close()
    raw(path, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"written by a newer assess \(layout 99\)"):
        Store.open(path)


def test_columns_the_contract_gained_are_added(path: Path) -> None:
    data = tiny_dataset()
    with Store.open(path) as store:
        store.import_dataset(Dataset(staff=data.staff.assign(post=pd.NA)))
    raw(path, 'ALTER TABLE staff DROP COLUMN "post"')  # a store written before staff had `post`
    staff = read_store(path, "staff").staff  # read-only: the column reads as empty
    assert staff["post"].isna().all() and staff["post"].dtype == "str"
    with Store.open(path) as store:  # writable: the column is added
        summary = store.import_dataset(Dataset(staff=data.staff))
        assert summary.actions["action"].tolist() == ["revised"]
        assert store.read("staff").staff["post"].tolist() == ["班长", np.nan, "技术员"]


# --------------------------------------------------------------------------- publications


def results() -> dict[str, pd.DataFrame]:
    members = pd.DataFrame(
        {
            "person_id": pd.Series(["00123", "00125"], dtype="str"),
            "score": [91.5, 78.25],
            "rank": pd.Series([1, 2], dtype="Int64"),
            "watch": pd.Series([False, pd.NA], dtype="boolean"),
            "grade": pd.Categorical(["A", "B"], categories=["A", "B", "C"], ordered=True),
            "scored_on": pd.to_datetime(["2026-10-08", "2026-10-08"]).astype("datetime64[ns]"),
        }
    )
    branches = pd.DataFrame(
        {"stars": [5, 4]}, index=pd.Index(["01010101", "01010102"], name="unit_code", dtype="str")
    )
    return {"members": members, "branches": branches}


def test_publish_and_read_back(store: Store) -> None:
    params = {"weights": [0.6, 0.4]}
    revision = store.publish("appraisal", "2026年第3季度", results(), params=params)
    assert revision == 1
    back = store.published("appraisal", "2026Q3")
    assert list(back) == ["members", "branches"]
    for name, frame in results().items():
        assert_frame_equal(back[name], frame)
    listing = store.publications()
    assert listing[
        ["kind", "quarter", "revision", "active", "tables", "n_rows"]
    ].values.tolist() == [["appraisal", "2026Q3", 1, True, "members,branches", 4]]
    assert listing.loc[0, "params"] == '{"weights": [0.6, 0.4]}'


def test_publish_identical_is_noop_and_different_needs_replace(store: Store) -> None:
    params = {"scheme": "default", "alpha": np.float64(0.05)}
    store.publish("appraisal", "2026Q3", results(), params=params)
    assert store.publish("appraisal", "2026Q3", results(), params=params) == 1
    assert len(store.publications()) == 1

    changed = results()
    changed["members"].loc[1, "score"] = 80.0
    with pytest.raises(
        StoreConflictError,
        match=r"different appraisal result for 2026Q3 "
        r"\(revision 1, .*replace=True",
    ):
        store.publish("appraisal", "2026Q3", changed, params=params)
    with pytest.raises(StoreConflictError, match="replace=True"):  # other params, other result
        store.publish("appraisal", "2026Q3", results(), params={**params, "alpha": 0.1})
    assert len(store.publications()) == 1

    assert store.publish("appraisal", "2026Q3", changed, params=params, replace=True) == 2
    assert store.published("appraisal", "2026Q3")["members"].loc[1, "score"] == 80.0
    assert store.published("appraisal", "2026Q3", revision=1)["members"].loc[1, "score"] == 78.25
    assert store.publications()["active"].tolist() == [False, True]
    assert store.publish("appraisal", "2026Q4", changed, params=params) == 1  # other quarter


def test_publish_bad_arguments(store: Store) -> None:
    with pytest.raises(ParameterError, match="'kind' must be a valid identifier"):
        store.publish("年度 考评", "2026Q3", results(), params={})
    with pytest.raises(ParameterError, match="'quarter' must be a quarter such as '2026Q3'"):
        store.publish("appraisal", "2026Q5", results(), params={})
    with pytest.raises(ParameterError, match="'tables' must be names that are valid identifiers"):
        store.publish("appraisal", "2026Q3", {"member list": results()["members"]}, params={})
    with pytest.raises(ParameterError, match="'params' must be a JSON-serialisable mapping"):
        store.publish("appraisal", "2026Q3", results(), params={"f": object()})
    with pytest.raises(StoreError, match="holds no appraisal result for 2026Q3"):
        store.published("appraisal", "2026Q3")
    assert store.publications().empty


def test_read_only_some_quarters_of_the_fact_tables(small_dataset, path):
    with Store.open(path) as store:
        store.import_dataset(small_dataset)
        part = store.read(["points", "units"], quarters=["2026Q3", "2025Q3"])
    assert set(part.points["quarter"]) == {"2026Q3", "2025Q3"}
    expected = small_dataset.points.loc[small_dataset.points["quarter"].isin(["2026Q3", "2025Q3"])]
    assert len(part.points) == len(expected)
    assert len(part.units) == len(small_dataset.units)  # registers are read whole


def test_categorical_columns_hold_the_same_values(small_dataset, path, monkeypatch):
    # Batches of 1,000 rows: each batch gets its own dictionary, unified at the end.
    monkeypatch.setattr(store_reads, "_BATCH_ROWS", 1_000)
    with Store.open(path) as store:
        store.import_dataset(small_dataset)
    tables = ["points", "exam_responses", "staff"]
    columns = {"points": ["person_id", "quarter", "indicator"], "exam_responses": "item_id"}
    plain = read_store(path, tables)
    coded = read_store(path, tables, categorical=columns)
    assert len(plain.points) > 3 * 1_000
    for name, chosen in {**columns, "exam_responses": ["item_id"]}.items():
        frame = coded.table(name)
        for column in chosen:
            assert isinstance(frame[column].dtype, pd.CategoricalDtype)
            categories = frame[column].cat.categories
            assert categories.is_monotonic_increasing and categories.is_unique
        assert_frame_equal(frame.astype({c: "str" for c in chosen}), plain.table(name))
    assert_frame_equal(coded.staff, plain.staff)
    assert coded.points["person_id"].nbytes < plain.points["person_id"].nbytes / 4


def test_categorical_of_an_empty_or_absent_table(store: Store) -> None:
    store.import_dataset(Dataset(units=tiny_dataset().units))
    part = store.read(["units", "points"], categorical={"points": ["person_id"]})
    assert part.points.empty
    assert isinstance(part.points["person_id"].dtype, pd.CategoricalDtype)
    assert str(part.points["evidence_id"].dtype) == "str"


def test_bad_categorical_is_refused(store: Store) -> None:
    store.import_dataset(tiny_dataset())
    with pytest.raises(ParameterError, match="tables among points"):
        store.read(["points"], categorical={"staff": ["unit_code"]})
    with pytest.raises(ParameterError, match="text columns of points: person_id, quarter"):
        store.read(["points"], categorical={"points": ["value"]})
    with pytest.raises(ParameterError, match="a mapping of table name to column names"):
        store.read(["points"], categorical=["points"])


def test_columns_not_asked_for_come_back_empty(store: Store) -> None:
    store.import_dataset(tiny_dataset())
    full = store.read(["points", "staff"])
    part = store.read(["points", "staff"], columns={"points": ["person_id", "value"]})
    assert_frame_equal(part.staff, full.staff)
    assert list(part.points.columns) == list(full.points.columns)
    assert_frame_equal(part.points[["person_id", "value"]], full.points[["person_id", "value"]])
    assert part.points[["quarter", "indicator", "evidence_id"]].isna().all().all()
    assert str(part.points["quarter"].dtype) == "str"
    with pytest.raises(ParameterError, match="columns of points: person_id, quarter"):
        store.read(["points"], columns={"points": ["person"]})
    with pytest.raises(ParameterError, match="tables among points"):
        store.read(["points"], columns={"staff": ["name"]})
