"""The HiGHS backend: the LP compiled from the Pyomo model, handed to highspy, solved."""
