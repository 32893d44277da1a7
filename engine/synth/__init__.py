"""Seeded instance generator (layouts, SKUs, stock, orders, boxes) for tests, demos and benchmarks."""

from engine.synth.generate import BOXES, Instance, SynthParams, generate, render_instance, write_instance

__all__ = ["BOXES", "Instance", "SynthParams", "generate", "render_instance", "write_instance"]
