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


def run_webapp(*args):
    return subprocess.run([sys.executable, "-m", "webapp", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60)


def test_bad_port_is_refused_with_a_message(tmp_path, seeds_dir):
    out = run_webapp("--port", "99999", "--index", str(tmp_path / "ix"))
    assert out.returncode == 2 and "not a TCP port" in out.stderr


def test_busy_port_is_a_message_not_a_traceback(tmp_path, seeds_dir):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        out = run_webapp("--port", str(port), "--seeds", str(seeds_dir), "--index",
                         str(tmp_path / "ix"))
    assert out.returncode == 1 and "--port" in out.stderr and "Traceback" not in out.stderr
