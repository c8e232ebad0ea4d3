"""Solve the model with HiGHS, read results back, check, export, and the CLI."""
