"""The simulated kube-controller-manager: one controller per module, all on one work loop."""
