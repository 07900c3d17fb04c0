"""Benchmarks: each prints our time against a floor measured in the same run (``python -m bench``)."""
