"""The Prometheus backend of usage history, against a real Prometheus and local HTTP servers."""
