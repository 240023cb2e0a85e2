"""The simulated kubelet: image pulls, container processes, probes, restarts and evictions."""
