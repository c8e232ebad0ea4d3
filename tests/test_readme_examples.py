"""README.md's example outputs are what chipalloc prints today (docs/examples.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _examples():
    spec = importlib.util.spec_from_file_location("examples", ROOT / "docs" / "examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_examples_match_todays_output():
    examples = _examples()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(examples.blocks(text)) == set(examples.EXAMPLES)
    fresh = examples.outputs()
    wrong = examples.differing(text, fresh)
    assert not wrong, f"rerun `python docs/examples.py`: {wrong} differ"


def test_the_check_tolerates_timings_only():
    examples = _examples()
    a = "Time: load 0.10s, solve 1.25s\n│ abilene │ 5 │\n"
    b = "Time: load 0.31s, solve 0.07s\n│ abilene │ 5 │\n"
    assert examples.normalise(a) == examples.normalise(b)
    assert examples.normalise(a) != examples.normalise(a.replace("5", "6"))
