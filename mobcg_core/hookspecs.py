"""Kept for plugins written before the contract moved: use :mod:`mobcg_core.contract.hookspecs`."""

from mobcg_core.contract.hookspecs import *  # noqa: F401,F403
