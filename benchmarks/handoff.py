"""Ways to get a built chipalloc model into HiGHS, timed on one scenario.

    python benchmarks/handoff.py SCENARIO [--form window|recursion] [--routes a,b,...]

Routes (each ends with the LP inside a ``highspy.Highs`` object, not solved):
- ``fast``: chipalloc's ``HighsModel`` (named Expressions compiled once, one passModel);
- ``persistent``: Pyomo's stock persistent interface, ``pyomo.contrib.solver`` Highs;
- ``appsi``: the older ``pyomo.contrib.appsi.solvers.Highs`` persistent interface;
- ``lp_file``: write an LP file with Pyomo, then ``highspy.readModel``;
- ``standard_form``: ``pyomo.repn.plugins.standard_form`` to scipy matrices, then passModel.

Prints one JSON line per route: seconds (wall, and CPU of this process) and the LP's size.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np

from chipalloc.data import load_scenario
from chipalloc.model import build_model


def fast(model) -> highspy.Highs:
    from chipalloc.solve.backend.highs_model import HighsModel

    ours = HighsModel()
    ours.load(model)
    return ours.highs


def persistent(model) -> highspy.Highs:
    from pyomo.contrib.solver.solvers.highs import Highs

    interface = Highs()
    interface.set_instance(model)
    return interface._solver_model


def appsi(model) -> highspy.Highs:
    from pyomo.contrib.appsi.solvers import Highs

    interface = Highs()
    interface.set_instance(model)
    return interface._solver_model


def lp_file(model) -> highspy.Highs:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.lp")
        model.write(path, io_options={"symbolic_solver_labels": False})
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(path)
    return h


def standard_form(model) -> highspy.Highs:
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(model, mixed_form=True)
    a = repn.A.tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    cost = np.asarray(repn.c.todense()).ravel() if hasattr(repn.c, "todense") else repn.c
    lp.col_cost_ = np.asarray(cost, dtype=float).ravel()[: a.shape[1]]
    lp.col_lower_ = np.array(
        [v.lb if v.lb is not None else -highspy.kHighsInf for v in repn.columns]
    )
    lp.col_upper_ = np.array(
        [v.ub if v.ub is not None else highspy.kHighsInf for v in repn.columns]
    )
    rhs = np.asarray(repn.rhs, dtype=float)
    sense = np.asarray([s for _, s in repn.rows])
    lp.row_lower_ = np.where(sense >= 0, rhs, -highspy.kHighsInf)
    lp.row_upper_ = np.where(sense <= 0, rhs, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


ROUTES = {f.__name__: f for f in (fast, persistent, appsi, lp_file, standard_form)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Time the routes from a Pyomo model to HiGHS.")
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--form", default="auto")
    ap.add_argument("--routes", default=",".join(ROUTES))
    args = ap.parse_args(argv)
    sc = load_scenario(args.scenario)
    for name in args.routes.split(","):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        model = build_model(sc, args.form)
        built, built_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        h = ROUTES[name](model)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        row = {
            "route": name,
            "form": model.fleet_form,
            "build_s": round(built, 3),
            "build_cpu_s": round(built_cpu, 3),
            "handoff_s": round(wall, 3),
            "handoff_cpu_s": round(cpu, 3),
            "rows": h.getNumRow(),
            "cols": h.getNumCol(),
            "nnz": h.getNumNz(),
        }
        print(json.dumps(row), flush=True)
        del model, h


if __name__ == "__main__":
    main()
