"""The same scenario gives byte-identical results in every process.

Python salts the hash of strings per process (PYTHONHASHSEED), so anything that iterates a
set of labels to build a sum would order its terms differently from run to run, and a
floating-point sum's last digit with them. Two hedge runs of the default scenario (five
futures, every cost family) under different hash seeds must write the same bytes.
"""

import os
import subprocess
import sys
from pathlib import Path

RUN = "from chipalloc.solve.cli import main; main()"


def hedge(out: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    argv = [sys.executable, "-c", RUN, "hedge", "--out", str(out), "-q"]
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_results_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    hedge(tmp_path / "a", "1")
    hedge(tmp_path / "b", "2")
    files = sorted(p.name for p in (tmp_path / "a").glob("*.csv"))
    assert "costs.csv" in files and "futures.csv" in files
    differ = [
        f for f in files if (tmp_path / "a" / f).read_bytes() != (tmp_path / "b" / f).read_bytes()
    ]
    assert differ == []
