"""docs/api.md runs: every ```python block in order, in a temporary folder; its units
glossary is the one generated from solve/results/units.py."""

from __future__ import annotations

import re
from pathlib import Path

from chipalloc.solve.results.units import glossary

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def test_the_api_page_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    assert (tmp_path / "results" / "notebook" / "results.xlsx").is_file()
    assert (tmp_path / "plan.xlsx").is_file()
    assert namespace["points"]["status"].eq("optimal").all()
    assert "optimal" in capsys.readouterr().out


def test_the_units_glossary_is_generated():
    text = DOC.read_text()
    inside = text[text.index("<!-- units: begin -->\n") + 22 : text.index("<!-- units: end -->")]
    assert inside.strip() == glossary().strip()
