"""Run-file schema and validation."""

from mobcg_core.config.runfile import SCHEMA, STAGES, load_config, read_toml
from mobcg_core.config.schema import REQUIRED, Option, Problems, validate

__all__ = ["SCHEMA", "STAGES", "load_config", "read_toml", "Option", "Problems", "validate", "REQUIRED"]
