"""Content hashes of the store: the SHA-256 of a partition, a result table, the whole store.

A hash depends on the values only, not on how Arrow happens to hold them (chunks, slices,
string layouts), so the same rows read from CSV, Excel or the store hash alike.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pyarrow as pa

from assess.io.store.backend import Backend

__all__ = ["digest_table", "partition_sha256", "content_sha256"]


def _canonical(arr: pa.Array) -> tuple[str, pa.Array]:
    """The family of ``arr`` (named independently of Arrow's physical types) and its values.

    Text comes in several Arrow layouts (``string``, ``large_string``, views) depending on
    the library that produced it; all become ``large_string`` so the hash does not depend
    on them.
    """
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    kind = arr.type
    if pa.types.is_boolean(kind):
        return "bool", arr
    if pa.types.is_floating(kind):
        return "float", arr.cast(pa.float64())
    if pa.types.is_integer(kind):
        return "int", arr.cast(pa.int64())
    if pa.types.is_date32(kind):
        return "date", arr.cast(pa.int32()).cast(pa.int64())
    if pa.types.is_temporal(kind):
        return str(kind), arr.cast(pa.int64())
    return "text", arr.cast(pa.large_string())


def _digest_array(arr: pa.Array, h: Any) -> str:
    """Feed a canonical byte form of ``arr`` into ``h``; return its family.

    Canonical means independent of chunking, slicing and buffer layout: one byte per
    missing flag, then the lengths and UTF-8 bytes of text, or little-endian 64-bit numbers.
    """
    family, arr = _canonical(arr)
    h.update(np.asarray(arr.is_null(), dtype=np.uint8).tobytes())
    if family == "text":
        arr = arr.fill_null("")
        buffers = arr.buffers()
        offsets = np.frombuffer(buffers[1], dtype="<i8")[arr.offset : arr.offset + len(arr) + 1]
        h.update(np.diff(offsets).tobytes())
        if len(arr) and buffers[2] is not None:
            h.update(memoryview(buffers[2])[int(offsets[0]) : int(offsets[-1])])
    elif family == "bool":
        h.update(np.asarray(arr.fill_null(False), dtype=np.uint8).tobytes())
    elif family == "float":
        values = np.asarray(arr.fill_null(0.0), dtype="<f8") + 0.0  # -0.0 becomes 0.0
        values[np.isnan(values)] = np.nan  # one NaN bit pattern
        h.update(values.tobytes())
    else:
        h.update(np.asarray(arr.fill_null(0), dtype="<i8").tobytes())
    return family


def digest_table(table: pa.Table, h: Any) -> None:
    """Feed every column of ``table`` that has a value into ``h``, each ending in its name."""
    h.update(f"rows={table.num_rows}\n".encode())
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if column.null_count == len(column) and len(column):
            continue  # an optional column left empty must not change the hash
        family = _digest_array(column, h)
        h.update(f"\n{name}:{family}\n".encode())


def partition_sha256(rows: pa.Table) -> str:
    """The SHA-256 of the rows of one (table, partition), already in their sorted order."""
    h = hashlib.sha256()
    digest_table(rows, h)
    return h.hexdigest()


def content_sha256(con: Backend, tables: set[str]) -> str:
    """The SHA-256 of the active partitions of ``tables``: see :meth:`Store.content_sha256`."""
    h = hashlib.sha256()
    rows = con.query(
        'SELECT table_name, "partition", sha256 FROM partitions WHERE active '
        'ORDER BY table_name, "partition"'
    )
    # Sorted here, byte-wise: a server's collation may order names differently.
    for table, part, sha in sorted(rows):
        if table in tables:
            h.update(f"{table}\t{part}\t{sha}\n".encode())
    return h.hexdigest()
