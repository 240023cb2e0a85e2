"""The rollout guard's use case: watch a Deployment rollout, hold, release or halt it
(``guard.guard_rollout``); the rules it applies live in ``kubemedic.rollouts``."""
