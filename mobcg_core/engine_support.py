"""Kept for plugins written before the contract moved: use :mod:`mobcg_core.plugin_kit.segmented`."""

from mobcg_core.plugin_kit.segmented import *  # noqa: F401,F403
