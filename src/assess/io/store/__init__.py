"""The embedded DuckDB store: imports, revisions, published results (see :mod:`.facade`)."""

from assess.io.store.facade import (
    ACTIONS,
    DEFAULT_STORE,
    SCHEMA_VERSION,
    ImportSummary,
    Store,
    read_store,
)

__all__ = ["DEFAULT_STORE", "SCHEMA_VERSION", "ACTIONS", "ImportSummary", "Store", "read_store"]
