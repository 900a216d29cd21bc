"""Pair potentials, tables, timestep checks, friction and pressure matching."""
