"""Deprecated: use :mod:`mobcg_core.plugin_kit.systems` (this alias, for plugins written before the contract
moved, warns on import and goes in mobcg 0.2)."""

import warnings

from mobcg_core.plugin_kit.systems import *  # noqa: F401,F403

warnings.warn("mobcg_core.systems is deprecated and goes in mobcg 0.2: import mobcg_core.plugin_kit.systems",
              DeprecationWarning, stacklevel=2)
