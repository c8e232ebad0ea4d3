"""Run many cases of one scenario at once: in-process, on a local process pool, or on Dask.

Solver objects do not pickle, so each worker receives the base scenario once, builds its own
persistent model (a ``Study``) and keeps it across the cases it is given; only the cases
(lists of edits) go out and only plain dict rows come back. A case that fails is a row with
its status and message; a worker that dies marks only its unfinished cases as ``error``.

- ``workers=1`` runs in this process (no start-up cost);
- ``workers=N`` uses a pool of N processes (default: every core);
- ``scheduler="tcp://HOST:PORT"`` sends the cases to a Dask distributed cluster instead.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from chipalloc.data import Scenario
from chipalloc.solve.backend.options import SolveOptions
from chipalloc.solve.whatif.study import Case, Study

_STUDIES: dict[str, Study] = {}
"""This worker's persistent models, by run token."""

_LOCK = threading.Lock()
"""One case at a time per process: a Pyomo model is not shared between threads."""


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_cases(
    base: Scenario,
    cases: list[Case],
    options: SolveOptions | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    title: str = "solving",
    progress: bool = True,
    study: Callable[[Scenario, SolveOptions], Any] = Study,
) -> list[dict[str, Any]]:
    """Every case's row (its label, status, message, results), in the order of ``cases``.

    ``study`` makes each worker's persistent evaluator from (base, options): a ``Study`` of
    scenario edits by default, or any picklable factory of an object with ``evaluate(case)``
    (the section 10 studies); cases need only a ``label``.
    """
    options = options or SolveOptions()
    rows: list[dict[str, Any] | None] = [None] * len(cases)
    with _progress(title, len(cases), progress) as advance:

        def done(i: int, row: dict[str, Any]) -> None:
            rows[i] = row
            advance()

        workers = max(1, min(workers or default_workers(), len(cases)))
        if scheduler:
            _on_dask(scheduler, base, cases, options, done, study)
        elif workers == 1:
            evaluator = study(base, options)
            for i, case in enumerate(cases):
                done(i, evaluator.evaluate(case))
        else:
            _on_pool(workers, base, cases, options, done, study)
    return rows  # type: ignore[return-value]


@contextmanager
def _progress(title: str, total: int, enabled: bool) -> Iterator[Callable[[], None]]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), disable=not enabled) as bar:
        task = bar.add_task(title, total=total)
        yield lambda: bar.advance(task)


def blocks(n: int, workers: int) -> list[list[int]]:
    """0..n-1 cut into at most ``workers`` runs of consecutive indices whose lengths differ
    by at most one."""
    count = max(1, min(workers, n))
    size, extra = divmod(n, count)
    starts = [b * size + min(b, extra) for b in range(count + 1)]
    return [list(range(starts[b], starts[b + 1])) for b in range(count) if starts[b] < n]


def _failed(case: Case, error: BaseException) -> dict[str, Any]:
    return {**case.label, "status": "error", "message": f"{type(error).__name__}: {error}"}


_REPORTS = None
"""This worker's queue back to the parent (one (index, row) per finished case)."""


def _start_worker(token: str, base: Scenario, options: SolveOptions, reports, study=Study) -> None:
    global _REPORTS
    _STUDIES[token] = study(base, options)
    _REPORTS = reports


def _evaluate_block(token: str, block: list[tuple[int, Case]]) -> None:
    """Solve a run of neighbouring cases in order, reporting each as it finishes."""
    study = _STUDIES[token]
    for i, case in block:
        _REPORTS.put((i, study.evaluate(case)))


def _on_pool(workers: int, base: Scenario, cases: list, options, done, study=Study) -> None:
    """A process pool; each process builds its Study once and walks one block of
    consecutive cases, so every re-solve starts from a neighbouring point's basis (cases
    dealt out one at a time made workers jump across each other's points: ten times the
    simplex iterations on a price sweep).

    Workers fork from a clean server process that has imported chipalloc once (no threads
    are inherited from this process, and the imports are paid once, not per worker). Rows
    come back through a queue as each case finishes, for the progress bar; a worker that
    dies marks its unfinished cases as ``error``.
    """
    token = uuid.uuid4().hex
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["chipalloc.solve.whatif.sweep"])
    reports = context.Queue()
    runs = blocks(len(cases), workers)
    waiting = set(range(len(cases)))
    with ProcessPoolExecutor(
        len(runs),
        mp_context=context,
        initializer=_start_worker,
        initargs=(token, base, options, reports, study),
    ) as pool:
        futures = {
            pool.submit(_evaluate_block, token, [(i, cases[i]) for i in run]): run for run in runs
        }
        while waiting:
            try:
                i, row = reports.get(timeout=0.2)
            except queue.Empty:
                if not all(f.done() for f in futures):
                    continue
                try:  # every worker is done; its last rows may still be in the pipe
                    i, row = reports.get(timeout=2.0)
                except queue.Empty:
                    break
            waiting.discard(i)
            done(i, row)
        for future, run in futures.items():
            error = future.exception()
            for i in run:
                if i in waiting:
                    waiting.discard(i)
                    done(i, _failed(cases[i], error or RuntimeError("no result came back")))


def _evaluate_remote(
    token: str, base: Scenario, options: SolveOptions, case: Case, study=Study
) -> dict:
    """A Dask task: the worker keeps one Study per run token, built on first use."""
    with _LOCK:
        if token not in _STUDIES:
            _STUDIES[token] = study(base, options)
        return _STUDIES[token].evaluate(case)


def _forget(token: str) -> None:
    _STUDIES.pop(token, None)


def _on_dask(address: str, base: Scenario, cases: list, options, done, study=Study) -> None:
    """Send the cases to the Dask scheduler at ``address``; workers need chipalloc installed."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise RuntimeError(
            "--scheduler needs Dask: pip install 'chipalloc[dask]' (dask[distributed])"
        ) from None
    token = uuid.uuid4().hex
    with Client(address, timeout="20s") as client:
        shared = client.scatter(base, broadcast=True)
        futures = {
            client.submit(
                _evaluate_remote,
                token,
                shared,
                options,
                case,
                study,
                pure=False,
                key=f"case-{token}-{i}",
            ): i
            for i, case in enumerate(cases)
        }
        for future in dask_completed(futures):
            i = futures[future]
            try:
                row = future.result()
            except Exception as error:
                row = _failed(cases[i], error)
            done(i, row)
        client.run(_forget, token)
