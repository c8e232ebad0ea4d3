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
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
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

from .highs import SolveOptions
from .sweep import Case, Study

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
) -> list[dict[str, Any]]:
    """Every case's row (its label, status, message, results), in the order of ``cases``."""
    options = options or SolveOptions()
    rows: list[dict[str, Any] | None] = [None] * len(cases)
    with _progress(title, len(cases), progress) as advance:

        def done(i: int, row: dict[str, Any]) -> None:
            rows[i] = row
            advance()

        workers = max(1, min(workers or default_workers(), len(cases)))
        if scheduler:
            _on_dask(scheduler, base, cases, options, done)
        elif workers == 1:
            study = Study(base, options)
            for i, case in enumerate(cases):
                done(i, study.evaluate(case))
        else:
            _on_pool(workers, base, cases, options, done)
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


def _failed(case: Case, error: BaseException) -> dict[str, Any]:
    return {**case.label, "status": "error", "message": f"{type(error).__name__}: {error}"}


def _start_worker(token: str, base: Scenario, options: SolveOptions) -> None:
    _STUDIES[token] = Study(base, options)


def _evaluate(token: str, case: Case) -> dict[str, Any]:
    return _STUDIES[token].evaluate(case)


def _on_pool(workers: int, base: Scenario, cases: list[Case], options, done) -> None:
    """A process pool; each process builds its Study once.

    Workers fork from a clean server process that has imported chipalloc once (no threads
    are inherited from this process, and the imports are paid once, not per worker).
    """
    token = uuid.uuid4().hex
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["chipalloc.solve.sweep"])
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(token, base, options)
    ) as pool:
        futures = {pool.submit(_evaluate, token, case): i for i, case in enumerate(cases)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                row = future.result()
            except Exception as error:  # a worker died: this case is lost, not the others
                row = _failed(cases[i], error)
            done(i, row)


def _evaluate_remote(token: str, base: Scenario, options: SolveOptions, case: Case) -> dict:
    """A Dask task: the worker keeps one Study per run token, built on first use."""
    with _LOCK:
        if token not in _STUDIES:
            _STUDIES[token] = Study(base, options)
        return _STUDIES[token].evaluate(case)


def _forget(token: str) -> None:
    _STUDIES.pop(token, None)


def _on_dask(address: str, base: Scenario, cases: list[Case], options, done) -> None:
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
                _evaluate_remote, token, shared, options, case, pure=False, key=f"case-{token}-{i}"
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
