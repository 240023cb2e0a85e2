"""Pure decision code of the governed path: lifecycle, tiers, approval rules, conditions, audit.

Nothing here does I/O or reads a clock: callers pass ``now``. The services layer loads records
and the cluster, asks these modules what is allowed, and writes the outcome.
"""
