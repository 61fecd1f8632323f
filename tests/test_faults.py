"""Disk full during indexing (ENOSPC injected into every file Whoosh writes, as the OS would
raise it; a real small tmpfs needs privileges these machines lack): the indexer fails with a
clear message, the previous index keeps answering exactly as before, and the next run once
the disk has room brings the index up to date."""

from __future__ import annotations

import errno
import os
import gc
import shutil
import subprocess
import sys

import pytest
from whoosh.filedb.filestore import FileStorage

import indexer

from . import oracle
from .conftest import REPO

QUERIES = ["硬仗", "公安", "的", '"两个确立"', "平安 广东", "新加的句子"]


class _FullDisk:
    """A file object whose writes fail with ENOSPC once ``budget`` bytes were written in all."""

    written = 0
    budget = 0

    def __init__(self, raw):
        self._raw = raw

    def write(self, data):
        _FullDisk.written += len(data)
        if _FullDisk.written > _FullDisk.budget:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._raw.write(data)

    def __getattr__(self, name):
        return getattr(self._raw, name)


@pytest.fixture()
def full_disk(monkeypatch):
    """Make Whoosh's files fail after ``budget`` bytes (set the budget on the returned class)."""
    create = FileStorage.create_file

    def create_file(self, name, *args, **kwargs):
        f = create(self, name, *args, **kwargs)
        f.file = _FullDisk(f.file)
        return f

    monkeypatch.setattr(FileStorage, "create_file", create_file)
    _FullDisk.written = 0
    yield _FullDisk
    # Whoosh leaves the files of a failed writer open; collect them here, inside the test that
    # caused them (and under its warning filter), not during some later test
    gc.collect()


def answers(index_dir):
    with indexer.SearchSession(indexer.open_index(index_dir)) as session:
        return {q: session.all_section_ids(indexer.parse_query(q)) for q in QUERIES}


# Whoosh leaves the file it failed to write unclosed; the garbage collector reports it
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("budget", [0, 20_000, 200_000])
def test_disk_full_during_rebuild_and_update_keeps_the_previous_index(tmp_path, seeds_dir,
                                                                      full_disk, monkeypatch, budget):
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    shutil.copytree(seeds_dir, seeds)
    full_disk.budget = 10**12
    indexer.update(seeds, index_dir)
    before, generation = answers(index_dir), indexer.read_meta(index_dir)["last_update"]
    assert before == {q: oracle.unquoted(oracle.load_sections(seeds), q.strip('"')) for q in QUERIES}

    full_disk.written, full_disk.budget = 0, budget
    with pytest.raises(indexer.IndexWriteError, match="No space left on device"):
        indexer.update(seeds, index_dir, rebuild=True, procs=1)
    assert answers(index_dir) == before
    assert [p.name for p in index_dir.iterdir() if p.name.startswith("gen-")] == ["gen-000001"]

    with open(seeds / "000_8750069abcf0ab7e.txt", "a", encoding="utf-8") as fh:
        fh.write("\n\n新加的句子。\n")
    full_disk.written = 0
    with pytest.raises(indexer.IndexWriteError, match="previous index is still in use"):
        indexer.update(seeds, index_dir)
    assert answers(index_dir) == before
    assert indexer.read_meta(index_dir)["last_update"] == generation

    full_disk.budget = 10**12  # room again: the next run catches up
    report = indexer.update(seeds, index_dir)
    assert report.changed == ["000_8750069abcf0ab7e.txt"]
    after = answers(index_dir)
    assert after == {q: oracle.unquoted(oracle.load_sections(seeds), q.strip('"')) for q in QUERIES}
    assert after["新加的句子"]


def test_the_command_line_says_why_and_exits_1(tmp_path, seeds_dir):
    """A file where the index folder should be is the same kind of failure, seen from the CLI."""
    (tmp_path / "ix").write_text("not a folder")
    out = subprocess.run([sys.executable, "-m", "indexer", "--seeds", str(seeds_dir), "--index",
                          str(tmp_path / "ix")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and out.stderr.startswith("error:") and "Traceback" not in out.stderr


def _damage(index_dir, pattern: str, how: str = "noise") -> None:
    """Damage the live generation's file matching ``pattern`` as a failing disk or a stray
    tool would: overwrite it with 100 bytes of noise, empty it, or delete it (``how``)."""
    live = index_dir / (index_dir / "CURRENT").read_text().strip()
    (target,) = live.glob(pattern)
    if how == "delete":
        target.unlink()
    else:
        target.write_bytes(b"" if how == "empty" else bytes(range(7, 107)))


# Whoosh leaves the file it failed to decode open (its reader raises before closing it); the
# garbage collector closes it, which Python reports as a ResourceWarning
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("pattern, how", [
    ("_MAIN_*.toc", "noise"), ("*.trm", "noise"), ("*.text.col", "noise"),
    ("*._stored.col", "noise"),
    # a missing column read as an empty one: searches found nothing, without an error, and a
    # missing doc_id column made the collection one document; an empty postings file was a
    # 500 on every document page (breaker)
    ("*.norm_text.col", "delete"), ("*.doc_id.col", "delete"), ("*.pst", "empty"),
])
def test_a_damaged_index_is_a_503_that_says_how_to_mend_it(tmp_path, seeds_dir, pattern, how):
    """A damaged index file made every page a 500 "internal error": now the pages say the
    index cannot be read and how to rebuild it (a start of the service rebuilds it:
    tests/test_serve.py)."""
    from webapp import create_app
    from webapp.index_access import open_now

    index_dir = tmp_path / "ix"
    indexer.update(seeds_dir, index_dir)
    _damage(index_dir, pattern, how)
    with pytest.raises(indexer.IndexDamagedError, match="python -m indexer --rebuild"):
        open_now(create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir),
                             "INDEX_DIR": str(index_dir)}))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "INDEX_DIR": str(index_dir)})
    client = app.test_client()
    answer = client.get("/search.json?q=两个确立")
    assert answer.status_code == 503
    assert "python -m indexer --rebuild" in answer.get_json()["error"]
    page = client.get("/search?q=两个确立")
    assert page.status_code == 503 and "重建索引" in page.get_data(as_text=True)
    # rebuilt, it answers as the documents say
    indexer.update(seeds_dir, index_dir, rebuild=True)
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "INDEX_DIR": str(index_dir)})
    open_now(app)
    total = app.test_client().get("/search.json?q=两个确立").get_json()["total"]
    assert total == len(oracle.quoted(oracle.load_sections(seeds_dir), "两个确立"))



@pytest.mark.parametrize("pattern, how", [("_MAIN_*.toc", "empty"), ("*.doc_id.col", "delete"),
                                          ("*.pst", "empty"),
                                          # decoded only when read (breaker: "up to date")
                                          ("*.trm", "noise"), ("*._stored.col", "noise")])
def test_an_update_of_a_damaged_index_rebuilds_it(tmp_path, seeds_dir, pattern, how):
    """python -m indexer on an index whose files cannot be read died with Whoosh's traceback
    (a TypeError, a FileFormatError) or, for a missing column, went on with it (breaker): the
    update rebuilds it from the documents and says why."""
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    shutil.copytree(seeds_dir, seeds)
    indexer.update(seeds, index_dir)
    _damage(index_dir, pattern, how)
    (seeds / "extra.md").write_text("# 新增\n\n两个确立的新增说明。\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "indexer", "--seeds", str(seeds), "--index",
                           str(index_dir)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "full rebuild" in done.stdout and "cannot be read" in done.stdout, done.stdout
    with indexer.SearchSession(indexer.open_index(index_dir)) as s:
        assert s.all_section_ids(indexer.parse_query("两个确立")) == oracle.quoted(
            oracle.load_sections(seeds), "两个确立")


def test_a_damaged_record_of_the_seeds_folder_is_not_replaced_by_the_bundled_one(tmp_path,
                                                                                 seeds_dir):
    """With its meta.json damaged, an index updated without --seeds was rebuilt from the
    bundled sample, replacing the user's documents without a word (breaker): both commands
    now ask for the folder."""
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    shutil.copytree(seeds_dir, seeds)
    (seeds / "mine.md").write_text("# 我的\n\n只在我的文件夹里。\n", encoding="utf-8")
    indexer.update(seeds, index_dir)
    _damage(index_dir, "meta.json", "noise")
    env = {k: v for k, v in os.environ.items() if k != "ZHSEARCH_SEEDS"}
    for command in (["indexer"], ["webapp", "--port", "0"]):
        done = subprocess.run([sys.executable, "-m", *command, "--index", str(index_dir)],
                              cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "give the documents' folder with --seeds" in done.stderr
    assert (index_dir / "CURRENT").read_text().strip() == "gen-000001"  # nothing rebuilt


def test_an_index_damaged_under_a_running_service_is_a_503_not_a_500(tmp_path, seeds_dir):
    """Files emptied or overwritten while the service runs (its searchers hold them open)
    made searches and document pages 500 "internal error" (struct.error, "Block tag error"):
    an error raised while Whoosh decodes them is a 503 that says how to mend the index."""
    from webapp import create_app
    from webapp.index_access import open_now

    index_dir = tmp_path / "ix"
    indexer.update(seeds_dir, index_dir)
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "INDEX_DIR": str(index_dir)})
    open_now(app)
    client = app.test_client()
    doc_id = client.get("/docs.json").get_json()["docs"][0]["doc_id"]
    assert client.get(f"/search.json?q=两个确立&doc={doc_id}").status_code == 200
    live = index_dir / (index_dir / "CURRENT").read_text().strip()
    for target in live.glob("*.trm"):
        target.write_bytes(b"")  # emptied in place: the open file sees it
    answer = client.get(f"/search.json?q=两个确立&doc={doc_id}")
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert "python -m indexer --rebuild" in answer.get_json()["error"]
    # a text column overwritten: the text no longer decodes, in our code, not Whoosh's (breaker)
    for target in live.glob("*.text.col"):
        target.write_bytes(b"\xff" * target.stat().st_size)
    answer = client.get("/search.json?q=两个确立")
    assert answer.status_code == 503, answer.get_data(as_text=True)


def test_a_lost_current_file_does_not_swap_the_users_documents_for_the_bundled_ones(tmp_path,
                                                                                  seeds_dir):
    """With CURRENT deleted, python -m indexer (and a start) rebuilt the index from the bundled
    sample and removed the user's generation (breaker): the folder is read from the newest
    generation's record, and the index is rebuilt from it."""
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    seeds.mkdir()
    (seeds / "mine.md").write_text("# 我的\n\n只在我的文件夹里的一句话。\n", encoding="utf-8")
    indexer.update(seeds, index_dir)
    (index_dir / "CURRENT").unlink()
    env = {k: v for k, v in os.environ.items() if k != "ZHSEARCH_SEEDS"}
    done = subprocess.run([sys.executable, "-m", "indexer", "--index", str(index_dir)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"seeds: {seeds}" in done.stdout
    with indexer.SearchSession(indexer.open_index(index_dir)) as s:
        assert [d.path for d in s.documents()] == ["mine.md"]
