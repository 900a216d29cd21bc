"""Optional helpers for plugin authors (nothing here is required by the contract).

* :func:`check_engine` — the engine contract as a suite any engine can run on itself.
"""

from mobcg_core.plugin_kit.engine_check import CHECKS, EngineContractError, check_engine

__all__ = ["CHECKS", "EngineContractError", "check_engine"]
