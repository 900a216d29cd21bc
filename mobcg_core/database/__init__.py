"""The synthetic sample database: HDF5 store, generation jobs and the ``database`` stage."""

from mobcg_core.database.store import FORMAT, FORMAT_VERSION, ROW_COLUMNS, Database

__all__ = ["Database", "FORMAT", "FORMAT_VERSION", "ROW_COLUMNS"]
