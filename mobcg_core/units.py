"""Kept for plugins written before the contract moved: use :mod:`mobcg_core.contract.units`."""

from mobcg_core.contract.units import *  # noqa: F401,F403
