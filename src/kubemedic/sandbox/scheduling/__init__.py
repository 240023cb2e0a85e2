"""The default-scheduler's filter and score plugins, one module each.

``fit`` (NodeResourcesFit), ``affinity`` (InterPodAffinity) and ``spread`` (PodTopologySpread)
judge one pod against the pods already placed (``placed``); ``kubemedic.sandbox.scheduler``
runs them in the real scheduler's order and words the verdict.
"""
