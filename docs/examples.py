"""Regenerate the README's example outputs from real runs, or check that they still match.

Each example block of README.md sits between ``<!-- example: NAME -->`` and
``<!-- /example -->``; this script runs the block's command (``EXAMPLES``) in a temporary
folder with a 100-column terminal and writes what ``chipalloc`` prints there (the first
``head`` lines, then ``...``). Timing figures differ from run to run, so the check
compares outputs with every ``0.12s`` written as ``#s``.

    python docs/examples.py            # rewrite README.md's example blocks
    python docs/examples.py --check    # exit 1 naming each block that differs
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
WIDTH = 100
EXAMPLES: dict[str, tuple[str, int | None]] = {
    "solve": ("chipalloc solve", None),
    "compare": (
        "chipalloc compare --variant fairwater_late --variant gb200_short_30 "
        "--out results/compare --workers 1",
        14,
    ),
}
"""name -> (command, lines kept or None for all)."""
BLOCK = re.compile(r"(<!-- example: (\w+) -->\n)```text\n(.*?)```\n(<!-- /example -->)", re.S)


def run(command: str, head: int | None) -> str:
    """What ``command`` prints on stdout, run in a fresh folder, as the README shows it."""
    env = {**os.environ, "COLUMNS": str(WIDTH), "LINES": "50", "TERM": "dumb"}
    env.pop("FORCE_COLOR", None)
    args = shlex.split(command)
    chipalloc = Path(sys.executable).with_name("chipalloc")
    args[0] = str(chipalloc) if chipalloc.exists() else args[0]
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed ({done.returncode}): {done.stderr[-500:]}")
    lines = [line.rstrip() for line in done.stdout.splitlines()]
    if head is not None and len(lines) > head:
        lines = [*lines[:head], "..."]
    shown = "$ " + command.replace(" --workers 1", "")
    return "\n".join([shown, *lines]) + "\n"


def normalise(text: str) -> str:
    """Timings vary between runs: ``0.12s`` reads ``#s``; trailing spaces are dropped."""
    text = re.sub(r"\d+\.\d+s\b", "#s", text)
    return "\n".join(line.rstrip() for line in text.splitlines())


def blocks(text: str) -> dict[str, str]:
    """The README's example blocks by name."""
    return {m.group(2): m.group(3) for m in BLOCK.finditer(text)}


def outputs() -> dict[str, str]:
    """Every example's output today."""
    return {name: run(command, head) for name, (command, head) in EXAMPLES.items()}


def differing(text: str, fresh: dict[str, str]) -> list[str]:
    """Names of the examples whose README block differs from ``fresh`` (timings aside)."""
    have = blocks(text)
    return [n for n in EXAMPLES if normalise(have.get(n, "")) != normalise(fresh[n])]


def rewrite(text: str, fresh: dict[str, str]) -> str:
    """``text`` with each example block replaced by its fresh output."""

    def sub(match: re.Match) -> str:
        name = match.group(2)
        body = fresh.get(name, match.group(3))
        return f"{match.group(1)}```text\n{body}```\n{match.group(4)}"

    return BLOCK.sub(sub, text)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    fresh = outputs()
    if "--check" in argv:
        wrong = differing(text, fresh)
        for name in wrong:
            print(f"README.md example '{name}' differs from today's output", file=sys.stderr)
        return 1 if wrong else 0
    README.write_text(rewrite(text, fresh), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
