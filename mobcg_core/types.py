"""Kept for plugins written before the contract moved: use :mod:`mobcg_core.contract.types`."""

from mobcg_core.contract.types import *  # noqa: F401,F403
