"""Kept for plugins written before the contract moved: use :mod:`mobcg_core.plugin_kit.systems`."""

from mobcg_core.plugin_kit.systems import *  # noqa: F401,F403
