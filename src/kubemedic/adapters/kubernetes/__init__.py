"""Kubernetes sources: a live API server or files, both producing a ``ClusterView``."""
