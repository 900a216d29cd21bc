"""Deprecated: use :mod:`mobcg_core.contract.hookspecs` (this alias, for plugins written before the contract
moved, warns on import and goes in mobcg 0.2)."""

import warnings

from mobcg_core.contract.hookspecs import *  # noqa: F401,F403

warnings.warn("mobcg_core.hookspecs is deprecated and goes in mobcg 0.2: import mobcg_core.contract.hookspecs",
              DeprecationWarning, stacklevel=2)
