"""Seeded synthetic supply chains: see :mod:`agritrace.generator.chains`."""
