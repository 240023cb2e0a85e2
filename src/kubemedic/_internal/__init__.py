"""Small helpers with no knowledge of kubemedic's domain: quantities, times, text."""
