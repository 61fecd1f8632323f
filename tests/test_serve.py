"""``python -m webapp`` as a user runs it: builds the index on first start, serves on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from urllib.request import urlopen

from .conftest import REPO


def test_first_start_builds_the_index_and_serves(tmp_path, seeds_dir):
    index_dir = tmp_path / "ix"
    proc = subprocess.Popen(
        [sys.executable, "-m", "webapp", "--port", "0", "--seeds", str(seeds_dir),
         "--index", str(index_dir)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines, url, deadline = [], None, time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"serving on (http://127\.0\.0\.1:\d+)/", line)
            url = m.group(1) if m else None
        assert url, "".join(lines)
        assert any("15 sections" in ln for ln in lines)
        with urlopen(url + "/search.json?q=%E7%A1%AC%E4%BB%97", timeout=10) as resp:
            data = json.loads(resp.read())
        assert data["total"] == 1 and "<mark>硬仗</mark>" in data["hits"][0]["snippet"]
        assert (index_dir / "CURRENT").is_file()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
