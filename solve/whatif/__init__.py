"""What-if studies over one scenario: sweeps, tornado, compare, ranging, the parallel runner."""
