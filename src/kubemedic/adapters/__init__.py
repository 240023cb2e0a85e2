"""The only code that talks to the outside world: Kubernetes, files, metrics, storage."""
