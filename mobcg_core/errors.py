"""Kept for plugins written before the contract moved: use :mod:`mobcg_core.contract.errors`."""

from mobcg_core.contract.errors import *  # noqa: F401,F403
