"""Typed, immutable data that every layer above shares: findings and the cluster view."""
