"""Benchmarks of pickwave against shared instances and baselines."""
