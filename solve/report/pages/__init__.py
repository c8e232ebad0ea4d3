"""One module per report page: solve summary, sweep and tornado, compare."""
