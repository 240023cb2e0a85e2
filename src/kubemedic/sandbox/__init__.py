"""The built-in sandbox cluster: a simulated Kubernetes that speaks the real API.

Only ``kubemedic.services`` imports this package; it stands on the standard library,
``cryptography``, ``orjson``, ``yaml``, ``kubemedic._internal`` and ``kubemedic.errors`` alone.
"""
