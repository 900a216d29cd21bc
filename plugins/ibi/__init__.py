"""Iterative Boltzmann inversion plugin (``[cg_method] name = "ibi"``)."""

from mobcg_core.contract.hookspecs import hookimpl

from .method import IBI

__all__ = ["IBI"]


@hookimpl
def mobcg_cg_methods():
    return [IBI]
