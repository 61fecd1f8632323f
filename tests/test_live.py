"""Reindexing under a running service: no error and no empty answer while a rebuild switches
in, and an indexer killed with SIGKILL leaves a working index behind.

The documents are real laws copied at test time from ../shared/corpora/cn-laws (read there,
never copied into the repository). Traffic goes only to 127.0.0.1 and is bounded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import urlopen

import pytest
import waitress

import indexer
from webapp import create_app

from . import oracle
from .conftest import REPO, stop_server

SHARED = Path(os.environ.get("ZHSEARCH_SHARED", REPO.parent / "shared"))
LAWS = SHARED / "corpora" / "cn-laws" / "行政法规"
COMMON = "国务院"  # in nearly every administrative regulation, old corpus and new
MAX_REQUESTS = 3000


@pytest.fixture(scope="module")
def law_files() -> list[Path]:
    assert LAWS.is_dir(), f"the shared corpus is missing: {LAWS}"
    files = sorted(LAWS.glob("*.md"), key=lambda p: (p.stat().st_size, p.name))
    return files[:240]  # the smallest: several hundred documents, a few seconds to index


def copy(files, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, dst / f.name)
    return dst


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urlopen(url, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except HTTPError as exc:
        return exc.code, {}


def serve(app):
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{int(server.effective_port)}"


def test_searches_never_fail_or_go_empty_during_a_full_rebuild(tmp_path, law_files):
    seeds, index_dir = copy(law_files[:200], tmp_path / "seeds"), tmp_path / "ix"
    indexer.update(seeds, index_dir)
    new_file = law_files[-1]
    copy([new_file], seeds)
    marker = next(line for line in new_file.read_text(encoding="utf-8").splitlines()
                  if line.startswith("# ")).lstrip("# ").strip()
    server, thread, base = serve(create_app({"INDEX_DIR": str(index_dir), "SEEDS_DIR": str(seeds)}))
    stats = {"requests": 0, "errors": 0, "empty": 0}
    done = threading.Event()

    def client():
        url = f"{base}/search.json?q={quote(COMMON)}&per_page=5"
        while not done.is_set() and stats["requests"] < MAX_REQUESTS:
            status, data = get_json(url)
            stats["requests"] += 1
            stats["errors"] += status != 200
            stats["empty"] += status == 200 and data["total"] == 0

    workers = [threading.Thread(target=client) for _ in range(2)]
    try:
        for w in workers:
            w.start()
        report = indexer.update(seeds, index_dir, rebuild=True)
        assert report.full and report.added and not report.failed
        status, data = get_json(f"{base}/search.json?q={quote(marker)}")
        assert status == 200 and data["total"] >= 1  # the new document, right after the switch
        time.sleep(0.5)
    finally:
        done.set()
        for w in workers:
            w.join(timeout=30)
        stop_server(server, thread)
    print(f"live rebuild: {stats}")
    assert stats["requests"] > 20
    assert stats["errors"] == 0 and stats["empty"] == 0


def run_indexer(seeds, index_dir, *args):
    env = dict(os.environ, ZHSEARCH_LOG_EVERY_S="0")
    return subprocess.Popen([sys.executable, "-m", "indexer", "--seeds", str(seeds), "--index",
                             str(index_dir), *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kill_midway(proc, lines_before_kill: int) -> list[str]:
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if sum("analyzed" in ln for ln in seen) >= lines_before_kill:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    return seen


def answers(index_dir, queries):
    with indexer.SearchSession(indexer.open_index(index_dir)) as s:
        return {q: s.all_section_ids(indexer.parse_query(q)) for q in queries}


@pytest.mark.parametrize("mode", ["rebuild", "incremental"])
def test_sigkill_leaves_a_working_index(tmp_path, law_files, mode):
    seeds, index_dir = copy(law_files[:120], tmp_path / "seeds"), tmp_path / "ix"
    indexer.update(seeds, index_dir)
    queries = [COMMON, "罚款", "第一条", "不存在的短语"]
    before = answers(index_dir, queries)
    assert before == {q: oracle.unquoted(oracle.load_sections(seeds), q) for q in queries}
    generation = indexer.read_meta(index_dir) and indexer.open_index(index_dir).generation
    if mode == "incremental":  # change many files, so the kill lands in the middle
        for f in sorted(seeds.glob("*.md"))[:100]:
            f.write_text(f.read_text(encoding="utf-8") + "\n\n新增条款：违者罚款。\n", encoding="utf-8")
    proc = run_indexer(seeds, index_dir, *(["--rebuild"] if mode == "rebuild" else []))
    seen = kill_midway(proc, lines_before_kill=20)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)

    # the service keeps answering from the previous index, correctly
    assert indexer.open_index(index_dir).generation == generation
    assert answers(index_dir, queries) == before

    # the next run completes without clean-up by hand, and equals the truth on disk
    again = run_indexer(seeds, index_dir)
    out, _ = again.communicate(timeout=300)
    assert again.returncode == 0, out
    truth = oracle.load_sections(seeds)
    assert answers(index_dir, queries + ["新增条款"]) == {
        q: oracle.unquoted(truth, q) for q in queries + ["新增条款"]}
    assert len(list(index_dir.glob("gen-*"))) <= 2


def test_watch_reindexes_after_changes_settle(tmp_path):
    from indexer.indexing import _lock

    seeds, index_dir, log = tmp_path / "seeds", tmp_path / "ix", tmp_path / "watch.log"
    seeds.mkdir()
    (seeds / "a.txt").write_text("监视模式的第一个文件。\n", encoding="utf-8")
    env = dict(os.environ, ZHSEARCH_LOG_EVERY_S="0")
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "indexer", "--seeds", str(seeds), "--index",
                                 str(index_dir), "--watch"], cwd=REPO, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "watching" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "full rebuild: 1 added" in log.read_text(), log.read_text()
        time.sleep(0.5)
        held = _lock(index_dir)  # another update (say POST /reindex) is running meanwhile
        (seeds / "b.md").write_text("# 新文件\n\n监视到的新文件。\n", encoding="utf-8")
        (seeds / "a.txt").write_text("监视模式的第一个文件，改过了。\n", encoding="utf-8")
        while "waiting: an index update is already running" not in log.read_text() \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        held.close()  # the watcher must try again, not drop the changes
        want = {q: oracle.unquoted(oracle.load_sections(seeds), q) for q in ("监视到的新文件", "改过了")}
        assert [len(ids) for ids in want.values()] == [1, 1]
        while answers(index_dir, list(want)) != want and time.monotonic() < deadline:
            time.sleep(0.3)
        assert answers(index_dir, list(want)) == want, log.read_text()
        assert "incremental update" in log.read_text()
        # a file written in ten pieces, 0.1 s apart, is one update once the folder is quiet
        # (breaker: with watchfiles' 50 ms step, each piece was an update of a half-written
        # file), and so is one written in pieces half a second apart (breaker: watchfiles ends
        # a batch when no new path changed for a step, so it was updated every 3 s)
        for pieces, pause in [(range(10), 0.1), (range(10, 24), 0.5)]:
            seen = log.read_text().count("change(s) seen")
            with open(seeds / "c.txt", "a", encoding="utf-8") as growing:
                for i in pieces:
                    growing.write(f"分段写入的第{i}段。\n")
                    growing.flush()
                    time.sleep(pause)
            last = f"分段写入的第{pieces[-1]}段"
            want = {last: oracle.unquoted(oracle.load_sections(seeds), last)}
            while answers(index_dir, list(want)) != want and time.monotonic() < deadline:
                time.sleep(0.3)
            assert answers(index_dir, list(want)) == want, log.read_text()
            assert log.read_text().count("change(s) seen") == seen + 1, log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _children(pid: int) -> set[int]:
    """The live (not zombie) child processes of ``pid``, from /proc."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    return {c for c in found if _alive(c)}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_killing_a_parallel_build_ends_its_workers_and_frees_the_index(tmp_path, law_files):
    """A two-process build killed mid-way left its worker processes waiting forever, holding
    the index's lock: every later update said "already running" until someone found and
    killed them by hand (breaker). They now end with the build, and the next update runs."""
    seeds, index_dir = copy(law_files[:120], tmp_path / "seeds"), tmp_path / "ix"
    code = ("import sys, indexer\n"
            "indexer.update(sys.argv[1], sys.argv[2], rebuild=True, procs=2,\n"
            "               progress=lambda done, total, path: print('analyzed', done, flush=True))\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(seeds), str(index_dir)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen, workers = [], set()
    for line in proc.stdout:  # the workers start with the first full batch of sections
        seen.append(line)
        workers = _children(proc.pid)
        if len(workers) >= 2:
            break
    assert len(workers) >= 2, "".join(seen)  # the case under test: a parallel build
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    deadline = time.monotonic() + 20
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:  # a failing run must not leave them behind either
        os.kill(w, signal.SIGKILL)
    assert not left
    report = indexer.update(seeds, index_dir)  # not IndexBusyError
    assert report.full and not report.failed
    with indexer.SearchSession(indexer.open_index(index_dir)) as s:
        assert s.all_section_ids(indexer.parse_query("罚款")) == oracle.unquoted(
            oracle.load_sections(seeds), "罚款")


def test_ctrl_c_during_a_parallel_build_says_so_without_a_traceback(tmp_path, law_files):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) during a build
    printed three tracebacks, the command's own and one from each worker, whose folder the
    stopped build removed under it (breaker). It says the index is as it was, exits 130,
    and the next update builds it."""
    seeds, index_dir = copy(law_files[:120], tmp_path / "seeds"), tmp_path / "ix"
    code = ("import functools, sys\n"
            "import indexer.__main__ as cli\n"
            "cli.update = functools.partial(cli.update, procs=2)  # parallel, whatever the size\n"
            "sys.exit(cli.main(sys.argv[1:]))\n")
    env = dict(os.environ, ZHSEARCH_LOG_EVERY_S="0")
    proc = subprocess.Popen([sys.executable, "-c", code, "--seeds", str(seeds), "--index",
                             str(index_dir)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen, workers = [], set()
    for line in proc.stdout:
        seen.append(line)
        workers = _children(proc.pid)
        if len(workers) >= 2:
            break
    assert len(workers) >= 2, "".join(seen)  # the case under test: a parallel build
    os.killpg(proc.pid, signal.SIGINT)
    out = "".join(seen) + proc.stdout.read()
    proc.wait(timeout=60)
    proc.stdout.close()
    assert proc.returncode == 130, out
    assert "Traceback" not in out and "interrupted: the index is as it was" in out, out
    assert indexer.read_meta(index_dir) is None  # a first build: nothing switched in
    report = indexer.update(seeds, index_dir)
    assert report.full and not report.failed
