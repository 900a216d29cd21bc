"""Deprecated: use :mod:`mobcg_core.contract.types` (this alias, for plugins written before the contract
moved, warns on import and goes in mobcg 0.2)."""

import warnings

from mobcg_core.contract.types import *  # noqa: F401,F403

warnings.warn("mobcg_core.types is deprecated and goes in mobcg 0.2: import mobcg_core.contract.types",
              DeprecationWarning, stacklevel=2)
