"""Use cases: each combines a source (adapters) with pure cores (analyzers, formatters)."""
