"""``kubemedic serve``: the governed workflow over HTTP, a JSON API and a dashboard.

An entry point like ``cli``: it authenticates the request, checks the role may ask for the
action, and calls the same services the CLI calls. It decides nothing of its own.
"""
