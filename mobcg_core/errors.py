"""Deprecated: use :mod:`mobcg_core.contract.errors` (this alias, for plugins written before the contract
moved, warns on import and goes in mobcg 0.2)."""

import warnings

from mobcg_core.contract.errors import *  # noqa: F401,F403

warnings.warn("mobcg_core.errors is deprecated and goes in mobcg 0.2: import mobcg_core.contract.errors",
              DeprecationWarning, stacklevel=2)
