"""The command line: parses arguments, builds settings, calls a service, writes the result.

Only this layer knows about exit codes and terminals; everything below returns values or
raises ``kubemedic.errors`` exceptions.
"""
