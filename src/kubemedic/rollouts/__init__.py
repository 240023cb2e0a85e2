"""The rollout guard's judgement, kept pure: which replicas are new, what counts as failing, when
to halt, and the evidence a person reads afterwards.

Nothing here talks to the cluster or to Prometheus, nor reads a clock: ``services.rollouts``
observes the Deployment, its ReplicaSets, its pods and the traffic figures, passes them in with
``now``, and acts on the decision (docs/rollouts.md).
"""
