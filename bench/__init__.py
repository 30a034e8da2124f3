"""Benchmarks: they measure, they do not test. Each creates and removes its own databases and keys."""
