"""bench/paired.py runs: this checkout against itself on the seed index (its figures are
timings, so only its shape is checked; the benchmark's numbers are never asserted); and
bench/bare_server.py, the HTTP floor of bench/scale.py, answers what it is asked."""

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


def test_bare_server_answers_as_many_bytes_as_asked():
    """bench/bare_server.py, the HTTP floor bench/scale.py measures beside /search.json."""
    import importlib.util

    from werkzeug.test import Client

    spec = importlib.util.spec_from_file_location("bare_server", REPO / "bench" / "bare_server.py")
    bare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bare)
    client = Client(bare.app)
    answer = client.get("/?n=22943")
    assert answer.status_code == 200 and len(answer.data) == 22943
    assert answer.get_json() == "x" * 22941
    for n in ("1", "abc", "1_000", "\u0661\u0662", str(bare.MAX_BYTES + 1)):
        assert client.get(f"/?n={n}").status_code == 400
