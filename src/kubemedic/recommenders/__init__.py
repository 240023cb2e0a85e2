"""Recommenders: pure decisions about how big workloads should be and how they should scale.

They turn usage history (``models.usage``) and the cluster's objects (raw API JSON) into typed,
immutable recommendations (``models.recommendations``): right-sized requests and limits with
their savings and a ready patch (``resources``), and autoscalers for workloads under sustained
load, checked against the nodes' free room and priced (``scaling``, ``placement``, ``prices``).
Like the analyzers they read no clock, environment or network — ``now`` is passed in — so the
same history gives the same advice from Prometheus, the embedded store or a test.

Modules: ``owners`` (pod name → workload), ``resources`` (right-sizing), ``hpa_effect``,
``patches``, ``load`` (sustained / near), ``scaling`` (HPA proposals), ``placement`` and
``node_rules`` (capacity simulation), ``prices`` (money).
"""
