"""bench/paired.py runs: this checkout against itself on the seed index (its figures are
timings, so only its shape is checked; the benchmark's numbers are never asserted)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def test_paired_benchmark_runs_and_prints_each_pass(seed_index, tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text("word\t公安\nphrase\t\"两个确立\"\nabsent\t量子计算机\nbad\t\"\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "paired.py"), "--base-tree", str(REPO),
         "--index", str(seed_index), "--queries", str(queries), "--passes", "2"],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("pass")] == ["pass 0", "pass 1"]
    assert sum("by kind" in line and "absent" in line and "bad" in line for line in lines) == 2
