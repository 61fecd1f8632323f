"""``python -m webapp`` as a user runs it: builds the index on first start, serves on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import pytest

from .conftest import REPO


def start(seeds_dir, index_dir, port=0, *extra):
    """``python -m webapp`` in a child process (``extra``: more arguments; ``seeds_dir`` None:
    no ``--seeds``, and no ``$ZHSEARCH_SEEDS``): ``(process, base URL, lines printed)``."""
    seeds = [] if seeds_dir is None else ["--seeds", str(seeds_dir)]
    env = {k: v for k, v in os.environ.items() if k != "ZHSEARCH_SEEDS"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "webapp", "--port", str(port), *seeds,
         "--index", str(index_dir), *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines, url, deadline = [], None, time.monotonic() + 60
    while url is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"serving on (http://127\.0\.0\.1:\d+)/", line)
        url = m.group(1) if m else None
    return proc, url, lines


def stop(proc):
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


def test_first_start_builds_the_index_and_serves(tmp_path, seeds_dir):
    index_dir = tmp_path / "ix"
    proc, url, lines = start(seeds_dir, index_dir)
    try:
        assert url, "".join(lines)
        assert any("15 sections" in ln for ln in lines)
        # the build says how far it is, as python -m indexer does (new-user trial: a first
        # start on 3,475 files was silent for 85 s)
        assert any(ln.startswith("analyzed 1/1 files") for ln in lines), "".join(lines)
        with urlopen(url + "/search.json?q=%E7%A1%AC%E4%BB%97", timeout=10) as resp:
            data = json.loads(resp.read())
        assert data["total"] == 1 and "<mark>硬仗</mark>" in data["hits"][0]["snippet"]
        assert (index_dir / "CURRENT").is_file()
    finally:
        stop(proc)


def test_restart_while_clients_query_serves_the_same_index_without_rebuilding(tmp_path, seeds_dir):
    """Clients keep querying through a SIGTERM and a restart on the same port: once back, every
    answer equals the one before, the generation is the same and nothing was re-indexed."""
    import threading
    from http.client import HTTPException
    from urllib.error import URLError
    from urllib.parse import quote

    index_dir = tmp_path / "ix"
    proc, url, lines = start(seeds_dir, index_dir)
    assert url, "".join(lines)
    queries = ["硬仗", "公安", "的", '"两个确立"', "平安 广东"]

    def ask(q):
        with urlopen(f"{url}/search.json?q={quote(q)}", timeout=10) as resp:
            data = json.loads(resp.read())
        return data["total"], [h["section_id"] for h in data["hits"]]

    before = {q: ask(q) for q in queries}
    generation = json.loads(urlopen(url + "/status.json", timeout=10).read())["generation"]
    answers, refused, stop_flag = [], [], threading.Event()

    def client():
        while not stop_flag.is_set():
            for q in queries:
                try:
                    answers.append((q, ask(q)))
                except (URLError, ConnectionError, TimeoutError, HTTPException):
                    # the service is down for a moment (a SIGTERM also cuts an answer being
                    # sent: IncompleteRead): expected
                    refused.append(q)
                    time.sleep(0.02)

    threads = [threading.Thread(target=client) for _ in range(3)]
    for th in threads:
        th.start()
    try:
        time.sleep(0.5)
        stop(proc)
        proc, url2, lines = start(seeds_dir, index_dir, port=int(url.rsplit(":", 1)[1]))
        assert url2 == url, "".join(lines)
        restarted = len(answers)
        time.sleep(1.0)
    finally:
        stop_flag.set()
        for th in threads:
            th.join(timeout=30)
    try:
        assert any("nothing written" in ln for ln in lines), "".join(lines)
        assert json.loads(urlopen(url + "/status.json", timeout=10).read())["generation"] == generation
        assert restarted and len(answers) > restarted  # answered before and after the restart
        assert all(got == before[q] for q, got in answers)
        assert {q: ask(q) for q in queries} == before
    finally:
        stop(proc)


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


def test_indexing_and_serving_write_only_inside_the_index_folder(tmp_path, seeds_dir):
    """No file appears in the temporary folder (TMPDIR) or the seeds folder; jieba's
    dictionary cache is kept in the index folder."""
    import os
    import shutil

    seeds, tmp = tmp_path / "seeds", tmp_path / "tmp"
    shutil.copytree(seeds_dir, seeds)
    tmp.mkdir()
    before = sorted(p.name for p in seeds.rglob("*"))
    env = {**os.environ, "TMPDIR": str(tmp)}
    out = subprocess.run([sys.executable, "-m", "indexer", "--seeds", str(seeds), "--index",
                          str(tmp_path / "ix")], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert list(tmp.iterdir()) == [] and sorted(p.name for p in seeds.rglob("*")) == before
    assert any(p.name.endswith(".cache") for p in (tmp_path / "ix").iterdir())


def test_the_server_raises_a_low_open_files_limit(tmp_path, seeds_dir):
    """Each pooled searcher holds its segments' files open; under Debian's default soft limit
    of 1,024 open files a collection of many segments would run out, so the server raises the
    soft limit toward the hard one."""
    import resource

    from webapp.__main__ import OPEN_FILES

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard == resource.RLIM_INFINITY or hard > 256  # the case under test can be made
    proc = subprocess.Popen(
        [sys.executable, "-m", "webapp", "--port", "0", "--seeds", str(seeds_dir),
         "--index", str(tmp_path / "ix")],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "serving on" not in proc.stdout.readline():
            pass
        limits = Path(f"/proc/{proc.pid}/limits").read_text(encoding="ascii")
        line = next(ln for ln in limits.splitlines() if ln.startswith("Max open files"))
        want = OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard)
        assert int(line.split()[3]) == want
    finally:
        stop(proc)


def test_a_hard_open_files_limit_too_low_for_the_index_is_warned_about(tmp_path, seeds_dir):
    """Above the hard limit the server cannot raise its own: it says so at start, with the
    figure it needs, rather than failing searches later without explanation."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard == resource.RLIM_INFINITY or hard > 200
    results = []
    for limit in (200, min(4096, hard) if hard != resource.RLIM_INFINITY else 4096):
        proc = subprocess.Popen(
            [sys.executable, "-m", "webapp", "--port", "0", "--seeds", str(seeds_dir),
             "--index", str(tmp_path / "ix")],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=lambda limit=limit: resource.setrlimit(resource.RLIMIT_NOFILE,
                                                              (limit, limit)))
        lines, deadline = [], time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                lines.append(proc.stdout.readline())
                if "serving on" in lines[-1] or not lines[-1]:
                    break
        finally:
            stop(proc)
        results.append("".join(lines))
    # one segment of 15 files (13 columns, terms, postings): 2 x 8 x 15 + 64 = 304 > 200
    assert "warning: the limit on open files is 200" in results[0] and "serving on" in results[0]
    assert "warning" not in results[1] and "serving on" in results[1]


def test_an_allowed_host_name_is_matched_in_any_case(tmp_path, seeds_dir):
    """``--allowed-host Docs.Example``: the name is answered however a client spells its case
    (host names are case-insensitive), and other names are still refused."""
    import http.client
    from urllib.parse import urlsplit

    proc, url, lines = start(seeds_dir, tmp_path / "ix", 0, "--allowed-host", "Docs.Example")
    try:
        assert url, "".join(lines)
        port = urlsplit(url).port
        for host, status in (("docs.example", 200), ("DOCS.EXAMPLE", 200), ("Docs.Example", 200),
                             ("other.example", 400)):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/opensearch.xml", headers={"Host": f"{host}:{port}"})
            assert conn.getresponse().status == status, host
            conn.close()
    finally:
        stop(proc)


def test_a_restart_without_seeds_keeps_the_folder_the_index_was_updated_from(tmp_path, seeds_dir):
    """Restarted without ``--seeds``, the service updates its index from the folder it was last
    updated from, as ``python -m indexer`` does (it read the bundled folder and removed the
    clerk's documents: new-user trial); when that folder is gone it serves the index as it is,
    and ``POST /reindex`` says why it cannot update (409, not a 500)."""
    import indexer

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    shutil.copytree(seeds_dir, docs)
    indexer.update(docs, ix)
    (docs / "clerk.txt").write_text("第一部分\n\n下穿隧道工程的通知。\n", encoding="utf-8")

    def found(url):
        with urlopen(url + "/search.json?q=" + quote("下穿隧道"), timeout=10) as resp:
            return json.loads(resp.read())["total"]

    proc, url, lines = start(None, ix)
    try:
        assert url, "".join(lines)
        printed = "".join(lines)
        assert f"seeds: {docs}" in printed and "1 added" in printed and "0 removed" in printed
        assert found(url) == 1
    finally:
        stop(proc)
    shutil.rmtree(docs)
    proc, url, lines = start(None, ix, 0, "--admin-token", "t0ken")
    try:
        assert url, "".join(lines)
        printed = "".join(lines)
        assert "no longer a folder" in printed and "not updated" in printed
        assert found(url) == 1  # the index was left as it was
        request = Request(url + "/reindex", method="POST", data=b"",
                          headers={"Authorization": "Bearer t0ken"})
        with pytest.raises(HTTPError) as refused:
            urlopen(request, timeout=30)
        assert refused.value.code == 409
        assert "文档文件夹已不存在" in refused.value.read().decode("utf-8")
        assert found(url) == 1
    finally:
        stop(proc)


def test_a_start_on_an_empty_seeds_folder_serves_the_index_as_it_is(tmp_path, seeds_dir):
    """An unmounted share's empty mount point would have emptied the index at start: the
    service says so and serves the index it has (second breaker round)."""
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    shutil.copytree(seeds_dir, docs)
    import indexer

    indexer.update(docs, ix)
    shutil.rmtree(docs)
    docs.mkdir()
    proc, url, lines = start(docs, ix)
    try:
        assert url, "".join(lines)
        assert "is empty, and the index holds 1 file(s)" in "".join(lines)
        with urlopen(url + "/search.json?q=" + quote("两个确立"), timeout=10) as resp:
            assert json.loads(resp.read())["total"] == 2
    finally:
        stop(proc)


@pytest.mark.parametrize("pattern", ["_MAIN_*.toc", "*.text.col"])
def test_a_start_on_a_damaged_index_rebuilds_it(tmp_path, seeds_dir, pattern):
    """A start brings the index up to date: one whose files cannot be read (damaged table of
    contents: a traceback and no service; damaged column: a 500 for every search) is rebuilt
    from the documents, saying why, and then answers as they say."""
    import indexer

    from . import oracle

    index_dir = tmp_path / "ix"
    indexer.update(seeds_dir, index_dir)
    live = index_dir / (index_dir / "CURRENT").read_text().strip()
    (target,) = live.glob(pattern)
    target.write_bytes(bytes(range(7, 107)))
    proc, url, lines = start(seeds_dir, index_dir)
    try:
        printed = "".join(lines)
        assert url, printed
        # the start's update finds it (its table of contents, or a first record that does not
        # decode) and rebuilds; what it misses, the opening of the index does
        assert "cannot be read" in printed and "rebuilt from the documents" in printed, printed
        with urlopen(url + "/search.json?q=" + quote("两个确立"), timeout=10) as resp:
            total = json.loads(resp.read())["total"]
        assert total == len(oracle.quoted(oracle.load_sections(seeds_dir), "两个确立"))
    finally:
        stop(proc)
