"""Internal units of the LP, chosen so that matrix and cost coefficients sit near 1.

Variables and rows are scaled; every number leaving ``chipalloc.solve`` is converted
back to the units of MODEL.md.

| quantity | MODEL.md unit | model unit |
|---|---|---|
| buy, fleet | accelerators | thousands of accelerators (``UNITS``) |
| build, capacity, it_mw | MW | MW |
| compute, demand, unmet | PFLOPS | thousands of PFLOPS (``PFLOPS``) |
| costs, budgets, objective | USD | millions of USD (``USD``) |
"""

UNITS = 1_000.0
"""Accelerators per model unit of buy / fleet."""

PFLOPS = 1_000.0
"""PFLOPS per model unit of compute."""

USD = 1.0e6
"""USD per model unit of cost."""

HOURS_PER_YEAR_K = 8.76
"""Thousands of hours per year: kW x 8.76 x years = MWh."""
