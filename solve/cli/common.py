"""What every command shares: consoles, exit codes, options, and the error guard.

Exit status: 0 optimal (or the study ran and wrote its folder); 2 invalid scenario,
overrides or spec; 3 infeasible; 4 time limit reached; 5 unbounded; 1 any other failure
(an existing results folder without --force, a solver error, a plan that fails the
checker). Pyomo and HiGHS load only when a command needs them, so ``--help`` answers at once.
"""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

console = Console(emoji=False)
err = Console(stderr=True, emoji=False)
"""No ``:name:`` emoji codes: an id such as ``:fire:`` prints as typed."""

EXIT = {"optimal": 0, "invalid": 2, "infeasible": 3, "time_limit": 4, "unbounded": 5, "error": 1}

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(
        help="Scenario folder (format: docs/scenario-format.md); default: the embedded base "
        "scenario."
    ),
]
OverridesOpt = Annotated[
    Path | None,
    typer.Option("--overrides", help="Overrides YAML (default: the scenario's variants.yaml)."),
]
VariantOpt = Annotated[str | None, typer.Option("--variant", help="Variant to apply.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks (for developers).")]

OutOpt = Annotated[
    Path | None, typer.Option(help="Output folder (default: results/<name>-<command>).")
]
WorkersOpt = Annotated[
    int | None, typer.Option(help="Worker processes (default: every core).", min=1)
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address (tcp://HOST:PORT) to run on instead of locally."),
]
ForceOpt = Annotated[bool, typer.Option(help="Replace an existing output folder.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]
MipGapOpt = Annotated[
    float,
    typer.Option(
        "--mip-gap",
        help="Relative gap a MIP (a scenario with section 7 features) must be proved within.",
        min=0,
    ),
]
"""HiGHS's ``mip_rel_gap`` for every solve of a command (MODEL.md 7.5); an LP ignores it."""


def objective_unit(sc) -> str:
    return "PFLOPS-years" if sc.settings.objective == "max_compute" else "USD"


def mip_meta(sc, mip_gap: float) -> dict[str, Any]:
    """A study's ``<kind>.json`` entries for a MIP scenario: ``problem`` and the gap asked for
    (each point's proved gap is its row's ``mip_gap``); none for an LP."""
    from chipalloc.data.discrete import is_mip

    return {"problem": "mip", "mip_gap_requested": mip_gap} if is_mip(sc) else {}


def show(value: Any, unit: str) -> str:
    from chipalloc.model.words import money

    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) == float("inf"):
            return "inf" if value > 0 else "-inf"
        if unit == "USD":
            text = money(abs(value))
            return "-" + text if value < 0 and text != money(0.0) else text  # no "-$0"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"
    return printable(value)


_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}


def _shown(char: str) -> str:
    if unicodedata.category(char) == "Cc" or char in _BIDI:
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char


def printable(text: Any) -> str:
    """Any scenario-derived text made safe to print with rich: shown literally.

    Rich markup is escaped (``[bold]own`` prints as ``[bold]own``) and every control
    character (ESC, CR, newline, DEL, C1, bidi overrides) is shown as its escape, e.g.
    ``\\x1b``, so no input can restyle, move or hide what the terminal shows. Every place the
    CLI prints a name, id, path or message that quotes them goes through this.
    """
    text = "".join(_shown(c) for c in str(text))
    return escape(text)


def printable_lines(text: Any) -> str:
    """``printable`` for a message of several lines: newlines are kept, all else escaped."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


RESULTS = Path("results")


def default_out(sc, suffix: str = "") -> Path:
    """``results/<slug>[-suffix]``: the default output folder, always inside ``results/``.

    The slug is of the scenario's ``name``, else of its folder's name, else ``scenario``;
    the resolved path is checked to stay strictly inside ``results/`` (a symlink there
    pointing elsewhere is refused).
    """
    from chipalloc.solve.results.write import slug

    source = Path(getattr(sc, "source", "") or ".")
    base = slug(sc.name) or slug(source.resolve().name) or "scenario"
    target = RESULTS / f"{base}{suffix}"
    root = RESULTS.resolve()
    if root not in target.resolve().parents:
        raise fail(
            "error", printable(f"refusing to write {target}: it resolves outside {RESULTS}/")
        )
    return target


def inputs_of(sc, *paths: Path | None) -> list[Path]:
    """What an output folder must never be or contain: the scenario folder, the given files."""
    return [Path(sc.source), *(Path(p) for p in paths if p is not None)]


def check_out(target: Path, force: bool, protect: list[Path]) -> None:
    """Refuse ``target`` before any solve (rules in ``results.write.check_target``)."""
    from chipalloc.solve.results.write import RefusedTarget, check_target, restore_interrupted

    restore_interrupted(target)
    try:
        check_target(target, force, protect)
    except (RefusedTarget, FileExistsError) as refused:
        raise fail("error", printable(refused)) from None


def write_tables(
    out: Path,
    tables: dict,
    documents: dict,
    force: bool,
    protect: list[Path] = (),
    files: dict[str, bytes] | None = None,
) -> None:
    """Write a study's folder; refused as ``check_out`` says (exit 1, nothing damaged)."""
    from chipalloc.solve.results.write import RefusedTarget, write_folder

    try:
        write_folder(out, tables, documents, force=force, protect=protect, files=files)
    except (RefusedTarget, FileExistsError) as refused:
        raise fail("error", printable(refused)) from None


def read_yaml(text: str, what: str) -> Any:
    """YAML text through the scenario's safe loader (no aliases, bounded messages)."""
    from chipalloc.data import limits

    if len(text) > limits.MAX_YAML_BYTES:
        raise fail(
            "invalid", printable(f"{what} {limits.too_large(len(text), limits.MAX_YAML_BYTES)}")
        )
    try:
        return limits.parse_yaml(text, what)
    except limits.InputError as error:
        raise fail("invalid", printable(f"{what} {error}")) from None


def read_spec(path: Path) -> Any:
    """A sweep or tornado spec: a regular YAML file under the size cap (data.limits)."""
    from chipalloc.data import limits

    try:
        return limits.load_yaml_file(path)
    except limits.InputError as error:
        raise fail("invalid", printable(f"{path} {error}")) from None


def run_study(sc, study, kind: str, what: str, out, force, protect):
    """Run a compare, sweep or tornado study: ``study()`` is the API call (``solve.api``).

    Returns (target folder, the study's table, seconds). The target defaults to
    ``results/<slug>-<kind>`` (``default_out``) and is refused, before any solve, as
    ``check_out`` says (exists without --force, not ours, a file, holds the inputs).
    """
    target = out or default_out(sc, f"-{kind}")
    check_out(target, force, protect)
    table = study()
    report_failures(table.attrs["runs"], what)
    return target, table, table.attrs["seconds"]


def report_failures(rows: list[dict], what: str) -> None:
    failed = [r for r in rows if r["status"] != "optimal"]
    if failed and all(r["status"] == "invalid" for r in rows):
        raise fail("invalid", printable(f"every {what} is invalid: {rows[0]['message']}"))
    if failed:
        err.print(
            f"[yellow]warning[/]: {len(failed)} of {len(rows)} {what}s found no optimal plan "
            "(see the status and message columns)"
        )


def fail(status: str, message: str) -> typer.Exit:
    err.print(f"[bold red]{status}[/]: {message}", soft_wrap=True)
    return typer.Exit(EXIT[status])


def load(scenario: Path | None, overrides: Path | None, variant: str | None):
    from chipalloc.data import Problem, ScenarioError
    from chipalloc.solve.pipeline import load

    if overrides is not None and variant is None:
        raise fail("invalid", "--overrides needs --variant NAME")
    try:
        return load(scenario, overrides, variant)
    except ScenarioError as error:
        where = f" in {error.context}" if error.context else ""
        if err.is_terminal:
            from chipalloc.solve.cli.display import problems_table  # only to show problems

            shown = [
                Problem(
                    printable(p.file), printable(p.message), p.row, p.column and printable(p.column)
                )
                for p in error.problems
            ]
            err.print(problems_table(shown, printable("Invalid scenario" + where)))
        else:
            for problem in error.problems:
                err.print(printable(problem), soft_wrap=True)
        raise fail("invalid", printable(f"{error.count} problem(s) found{where}")) from None


def guard(debug: bool, action) -> None:
    """Run a command; every command of ``chipalloc`` runs inside this guard.

    No error ends in a traceback (unless --debug): an OSError (a file in the way, permission
    denied, disk full) or any other unexpected error prints one line and exits 1; results
    folders are written atomically, so none is damaged. A ``PartialBackupWarning`` raised on
    the way is printed as a warning.
    """
    from chipalloc.solve.results.write import PartialBackupWarning

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PartialBackupWarning)
            try:
                action()
            finally:
                for w in caught:
                    if issubclass(w.category, PartialBackupWarning):
                        err.print(f"[yellow]warning[/]: {printable(w.message)}", soft_wrap=True)
                    else:
                        warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        err.print("interrupted; earlier results are untouched")
        raise typer.Exit(130) from None
    except OSError as error:
        if debug:
            raise
        where = f": {error.filename}" if error.filename else ""
        reason = error.strerror or str(error)
        err.print(
            f"[bold red]error[/]: {printable(reason + where)} (nothing was replaced; rerun "
            "with --debug for the traceback)",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    except Exception as error:
        if debug:
            raise
        err.print(
            f"[bold red]error[/]: {type(error).__name__}: {printable(error)} (rerun with "
            "--debug for the traceback)",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None


def warn(warnings: list[str]) -> None:
    for warning in warnings:
        err.print(f"[yellow]warning[/]: {printable(warning)}", soft_wrap=True)


def warn_shortfall(run) -> None:
    """Unmet demand is not an error, but the planner must not miss it (MODEL.md section 4)."""
    from chipalloc.solve.explain.shortfall import shortfall

    short = shortfall(run.solver, run.results.summary.get("unmet_pflops", {}))
    if short is None:
        return
    head, *rest = short.lines()
    err.print(f"[bold yellow]WARNING[/]: {printable(head)}", soft_wrap=True)
    for line in rest:
        err.print(f"  {printable(line)}", soft_wrap=True)


def explain(run) -> None:
    """Why a solve did not reach an optimal plan, in MODEL.md terms; nothing is written."""
    outcome = run.outcome
    if outcome.status == "infeasible" and outcome.problem == "mip":
        from chipalloc.solve.explain.discrete import explain_mip_infeasible

        lines = explain_mip_infeasible(run.solver, run.scenario)
        if lines is not None:
            err.print("[bold red]infeasible[/]: no plan meets the discrete rules (MODEL.md 7):")
            for line in lines:
                err.print(f"  {printable(line)}", soft_wrap=True)
            err.print("(the LP relaxation has a plan; nothing was written)")
            return
    if outcome.status == "infeasible":
        from chipalloc.solve.explain.iis import explain_infeasible

        err.print("[bold red]infeasible[/]: no plan satisfies every constraint; these conflict:")
        diagnosis = explain_infeasible(run.solver, outcome.fixed_conflicts)
        for line in diagnosis.lines():
            err.print(f"  {printable(line)}", soft_wrap=True)
        if not diagnosis.conflicts:
            err.print("  (HiGHS found no conflicting rows to report; rerun with --solver-log)")
        err.print(f"(found by {diagnosis.method} in {diagnosis.seconds:.2f}s; nothing was written)")
    elif outcome.status == "time_limit" and outcome.problem == "mip":
        err.print(
            f"[bold red]time_limit[/]: HiGHS stopped at its limit ({printable(outcome.message)}) "
            "before finding any plan of the MIP; only summary.json was written. Raise "
            "--time-limit or --mip-gap.",
            soft_wrap=True,
        )
    elif outcome.status == "time_limit":
        err.print(
            f"[bold red]time_limit[/]: HiGHS stopped at its limit ({printable(outcome.message)}) "
            "before proving a plan optimal; nothing was written. Raise --time-limit.",
            soft_wrap=True,
        )
    else:
        err.print(
            f"[bold red]{outcome.status}[/]: {printable(outcome.message)}; nothing was written"
        )
