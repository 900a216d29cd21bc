"""Run-file schema and validation."""

from .runfile import SCHEMA, STAGES, load_config, read_toml
from .schema import REQUIRED, Option, Problems, validate

__all__ = ["SCHEMA", "STAGES", "load_config", "read_toml", "Option", "Problems", "validate", "REQUIRED"]
