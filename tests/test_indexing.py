"""Builds: what is indexed, what fails, atomic switching, the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

import indexer
from indexer.__main__ import main as indexer_main
from indexer.failures import chinese
from indexer.indexing import _lock

from .conftest import REPO
from .oracle import english_left


@pytest.fixture()
def seeds_copy(tmp_path, seeds_dir):
    dst = tmp_path / "seeds"
    shutil.copytree(seeds_dir, dst)
    return dst


def ids(index_dir, query):
    with indexer.SearchSession(indexer.open_index(index_dir)) as s:
        return s.all_section_ids(indexer.parse_query(query))


def test_build_reports_and_skips_bad_files(tmp_path, corpus_dir):
    report = indexer.update(corpus_dir, tmp_path / "ix")
    assert sorted(report.indexed) == ["cases.md", "sub/nested.txt", "xss.md"]
    assert [p for p, _ in report.failed] == ["bad-bytes.txt"]
    assert "cannot tell its encoding" in report.failed[0][1]
    assert report.sections > 10


def test_unchanged_seeds_are_not_rebuilt_and_changes_are(tmp_path, seeds_copy):
    index_dir = tmp_path / "ix"
    first = indexer.update(seeds_copy, index_dir)
    assert first.full and first.sections == 15
    again = indexer.update(seeds_copy, index_dir)
    assert not again.wrote and again.generation == first.generation

    (seeds_copy / "new.md").write_text("# 新文档\n\n独一无二的测试短语。\n", encoding="utf-8")
    added = indexer.update(seeds_copy, index_dir)
    assert not added.full and added.added == ["new.md"] and added.generation == first.generation
    assert len(ids(index_dir, "独一无二的测试短语")) == 1

    (seeds_copy / "new.md").unlink()
    removed = indexer.update(seeds_copy, index_dir)
    assert removed.removed == ["new.md"] and ids(index_dir, "独一无二的测试短语") == set()
    rebuilt = indexer.update(seeds_copy, index_dir, rebuild=True)
    assert rebuilt.full and rebuilt.generation != first.generation
    indexer.update(seeds_copy, index_dir, rebuild=True)
    assert len(list(index_dir.glob("gen-*"))) <= 2  # old generations are cleaned up


def test_failed_and_empty_files_do_not_force_rebuilds(tmp_path, seeds_copy):
    (seeds_copy / "bad.txt").write_bytes(b"bad \xff\xfe\n")
    (seeds_copy / "empty.md").write_bytes(b"")
    index_dir = tmp_path / "ix"
    first = indexer.update(seeds_copy, index_dir)
    assert first.full and [p for p, _ in first.failed] == ["bad.txt"]
    assert "not UTF-8" in first.failed[0][1]
    assert first.empty == ["empty.md"] and "empty.md" in first.indexed
    again = indexer.update(seeds_copy, index_dir)
    assert not again.wrote and again.generation == first.generation
    assert again.failed == first.failed and again.empty == first.empty
    assert again.sections == first.sections == 15
    assert indexer.read_meta(index_dir)["documents"] == 1


def test_an_open_session_survives_a_switch(tmp_path, seeds_copy):
    index_dir = tmp_path / "ix"
    indexer.update(seeds_copy, index_dir)
    old = indexer.SearchSession(indexer.open_index(index_dir))
    indexer.update(seeds_copy, index_dir, rebuild=True)
    assert len(old.all_section_ids(indexer.parse_query("两个确立"))) == 2
    old.close()


def test_webapp_serves_the_new_generation_without_restart(tmp_path, seeds_copy):
    from webapp import create_app

    index_dir = tmp_path / "ix"
    indexer.update(seeds_copy, index_dir)
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    assert client.get("/search.json?q=%E6%96%B0%E5%A2%9E").get_json()["total"] == 0
    (seeds_copy / "more.txt").write_text("新增的文件。\n", encoding="utf-8")
    indexer.update(seeds_copy, index_dir)
    assert client.get("/search.json?q=%E6%96%B0%E5%A2%9E").get_json()["total"] == 1


def test_webapp_serves_an_index_deleted_and_built_again_under_the_same_name(tmp_path):
    """``rm -rf INDEX`` and a new build name the new generation as the old one was named
    (gen-000001), with the same Whoosh generation inside; a running service must still move
    to it instead of answering from the deleted files it holds open."""
    from webapp import create_app

    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    seeds.mkdir()
    (seeds / "a.txt").write_text("标题\n\n旧版本独有的词语。\n", encoding="utf-8")
    indexer.update(seeds, index_dir)
    client = create_app({"INDEX_DIR": str(index_dir), "SEEDS_DIR": str(seeds),
                         "TESTING": True}).test_client()

    def total(q):
        return client.get("/search.json", query_string={"q": q}).get_json()["total"]

    assert (total("旧版本"), total("新版本")) == (1, 0)
    shutil.rmtree(index_dir)
    (seeds / "a.txt").write_text("标题\n\n新版本独有的词语。\n", encoding="utf-8")
    report = indexer.update(seeds, index_dir)
    assert report.generation == "gen-000001"  # the case under test: the same name again
    assert (total("旧版本"), total("新版本")) == (0, 1)


def test_an_index_from_other_analysis_code_is_rebuilt(tmp_path, seeds_copy):
    index_dir = tmp_path / "ix"
    first = indexer.update(seeds_copy, index_dir)
    meta_path = index_dir / first.generation / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["signature"]["analyzer"] = -1
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(indexer.IndexOutdatedError):
        indexer.open_index(index_dir)
    # a service on it says what is wrong and what to do (breaker: it said "no index yet: run
    # python -m indexer", which answered "already running" during the upgrade's rebuild)
    from webapp import create_app

    page = create_app({"SEEDS_DIR": str(seeds_copy), "INDEX_DIR": str(index_dir),
                       "TESTING": True}).test_client().get("/search.json?q=a")
    assert page.status_code == 503 and "另一个版本" in page.get_json()["error"]
    report = indexer.update(seeds_copy, index_dir)
    # and the rebuild says why (it said only "full rebuild: N added": breaker)
    assert report.full and any("another version" in note for note in report.notes())
    assert not any("another version" in n for n in indexer.update(seeds_copy, index_dir).notes())
    assert indexer.open_index(index_dir).generation != first.generation


def test_a_second_indexer_gets_a_clear_message(tmp_path, seeds_copy, capsys):
    index_dir = tmp_path / "ix"
    held = _lock(index_dir)
    try:
        with pytest.raises(indexer.IndexBusyError, match=r"already running \(pid \d+\)"):
            indexer.update(seeds_copy, index_dir)
        assert indexer_main(["--seeds", str(seeds_copy), "--index", str(index_dir)]) == 1
        assert "already running" in capsys.readouterr().err
    finally:
        held.close()


def test_cli_updates_an_index_from_the_folder_it_was_built_from(tmp_path, seeds_copy,
                                                                 monkeypatch, capsys):
    """Without --seeds (or $ZHSEARCH_SEEDS), the index's own folder is read, not the bundled
    seeds/ (the new-user trial's service on --seeds DIR lost its documents to a bare
    ``python -m indexer``)."""
    monkeypatch.delenv("ZHSEARCH_SEEDS", raising=False)
    index_dir = tmp_path / "ix"
    (seeds_copy / "新增.md").write_text("# 新增\n\n紫藤巷邮政代办点。\n", encoding="utf-8")
    assert indexer_main(["--seeds", str(seeds_copy), "--index", str(index_dir)]) == 0
    (seeds_copy / "又一篇.md").write_text("# 又一篇\n\n琥珀南门。\n", encoding="utf-8")
    capsys.readouterr()
    assert indexer_main(["--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert f"seeds: {seeds_copy.resolve()}" in out and "1 added, 0 changed, 0 removed" in out
    with indexer.SearchSession(indexer.open_index(index_dir)) as s:
        assert s.search(s.parse("紫藤巷")).total == s.search(s.parse("琥珀南门")).total == 1
    # the environment, then --seeds, name another folder
    other = tmp_path / "other"
    other.mkdir()
    (other / "别的.md").write_text("# 别的\n\n别处的文字。\n", encoding="utf-8")
    monkeypatch.setenv("ZHSEARCH_SEEDS", str(other))
    assert indexer_main(["--index", str(index_dir)]) == 0
    assert "removed" in capsys.readouterr().out
    with indexer.SearchSession(indexer.open_index(index_dir)) as s:
        assert s.search(s.parse("紫藤巷")).total == 0 and s.search(s.parse("别处")).total == 1
    monkeypatch.delenv("ZHSEARCH_SEEDS")
    assert indexer_main(["--seeds", str(seeds_copy), "--index", str(index_dir)]) == 0
    with indexer.SearchSession(indexer.open_index(index_dir)) as s:
        assert s.search(s.parse("紫藤巷")).total == 1 and s.search(s.parse("别处")).total == 0


def test_cli_prints_what_it_did(tmp_path, seeds_copy, corpus_dir):
    run = lambda *a: subprocess.run([sys.executable, "-m", "indexer", *a],  # noqa: E731
                                    capture_output=True, text=True, cwd=REPO, timeout=120)
    out = run("--seeds", str(seeds_copy), "--index", str(tmp_path / "a"))
    assert out.returncode == 0
    assert "full rebuild: 1 added, 0 changed, 0 removed, 0 unchanged, 0 failed, 0 empty; 15 sections" in out.stdout
    assert "added: " not in out.stdout  # a full rebuild reads every file: none is named
    out = run("--seeds", str(seeds_copy), "--index", str(tmp_path / "a"))
    assert out.returncode == 0
    assert "up to date, nothing written: 0 added, 0 changed, 0 removed, 1 unchanged" in out.stdout
    # an update names the files it added, changed and removed (new-user trial: counts only)
    (seeds_copy / "新文件.txt").write_text("新加的一段文字。\n", encoding="utf-8")
    out = run("--seeds", str(seeds_copy), "--index", str(tmp_path / "a"))
    assert out.returncode == 0 and "added: 新文件.txt\n" in out.stdout
    (seeds_copy / "新文件.txt").write_text("改过的一段文字。\n", encoding="utf-8")
    assert "changed: 新文件.txt\n" in run("--seeds", str(seeds_copy), "--index", str(tmp_path / "a")).stdout
    (seeds_copy / "新文件.txt").unlink()
    assert "removed: 新文件.txt\n" in run("--seeds", str(seeds_copy), "--index", str(tmp_path / "a")).stdout
    out = run("--seeds", str(corpus_dir), "--index", str(tmp_path / "b"))
    assert out.returncode == 1 and "bad-bytes.txt" in out.stderr
    out = run("--seeds", str(tmp_path / "missing"), "--index", str(tmp_path / "c"))
    assert out.returncode == 1 and "not found" in out.stderr and "Traceback" not in out.stderr
    out = run("--seeds", str(seeds_copy / "000_8750069abcf0ab7e.txt"), "--index", str(tmp_path / "c"))
    assert out.returncode == 1 and "must be a folder" in out.stderr


def test_missing_index_is_a_503_not_a_500(tmp_path):
    from webapp import create_app

    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    resp = client.get("/search.json?q=a")
    assert resp.status_code == 503 and "indexer" in resp.get_json()["error"]


def test_odd_files_are_reported_and_never_stop_the_rest(tmp_path):
    import os

    seeds = tmp_path / "seeds"
    (seeds / "sub").mkdir(parents=True)
    (seeds / "ok.txt").write_text("甲乙丙。", encoding="utf-8")
    (seeds / "ok.TXT").write_text("丁戊己。", encoding="utf-8")
    (seeds / "sub" / "b.txt").write_text("庚辛。", encoding="utf-8")
    (seeds / "sub--b.txt").write_text("壬癸。", encoding="utf-8")
    (seeds / "bom.txt").write_bytes("\ufeff\ufeff双重标记。".encode("utf-8"))
    os.symlink("/etc/hostname", seeds / "outside.txt")
    os.symlink(seeds / "loop.txt", seeds / "loop.txt")
    os.symlink(seeds / "gone", seeds / "dangling.txt")
    (seeds / os.fsdecode(b"bad\xff.txt")).write_text("名字坏了。", encoding="utf-8")
    report = indexer.update(seeds, tmp_path / "ix")
    failed = dict(report.failed)
    assert set(failed) == {"outside.txt", "loop.txt", "dangling.txt", "bad\ufffd.txt"}
    assert "outside the seeds folder" in failed["outside.txt"]
    assert all(str(tmp_path) not in reason for reason in failed.values())  # no paths leak
    assert all(not english_left(chinese(r)) for r in failed.values()), failed  # as pages say it
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as s:
        docs = s.documents()
        assert len(docs) == 5 and len({d.doc_id for d in docs}) == 5
        assert {d.sections for d in docs} == {1}
        bom = next(d for d in docs if d.path == "bom.txt")
        assert s.document(bom.doc_id).sections[0].text == "双重标记。"  # both BOMs gone


def test_index_folder_problems_are_messages(tmp_path, seeds_copy):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(indexer.IndexLocationError):
        indexer.update(seeds_copy, blocker)
    assert indexer_main(["--seeds", str(seeds_copy), "--index", str(blocker)]) == 1


def test_damaged_metadata_means_rebuild(tmp_path, seeds_copy):
    index_dir = tmp_path / "ix"
    first = indexer.update(seeds_copy, index_dir)
    (index_dir / first.generation / "meta.json").write_text("{not json")
    with pytest.raises(indexer.IndexMissingError):
        indexer.open_index(index_dir)
    again = indexer.update(seeds_copy, index_dir)
    assert again.full and again.sections == 15


def _everything(index_dir, queries):
    with indexer.SearchSession(indexer.open_index(index_dir)) as session:
        pages = {q: session.search(session.parse(q), per_page=100) for q in queries}
        return {q: ([(h.section_id, round(h.score, 6), h.snippet) for h in p.hits], p.facets)
                for q, p in pages.items()}


def test_parallel_build_equals_the_serial_one(tmp_path, seeds_dir, corpus_dir, monkeypatch):
    """Two worker processes (Whoosh's MpWriter, one segment each) index the same sections,
    and every query gets the same hits, scores, snippets and facets as from the one-process
    build."""
    from indexer import indexing

    monkeypatch.setattr(indexing, "BUILD_BATCH", 4)  # small jobs, so both workers get some
    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir, seeds)
    shutil.copytree(corpus_dir, seeds / "corpus")
    serial = indexer.update(seeds, tmp_path / "serial", procs=1)
    parallel = indexer.update(seeds, tmp_path / "parallel", procs=2)
    assert parallel.sections == serial.sections > 15
    assert parallel.failed == serial.failed
    queries = ["的", "公安", "两个确立", "安全 OR 稳定", '"高水平平安"', "alert", "广东 -青海"]
    handle = indexer.open_index(tmp_path / "parallel")
    assert len(handle.ix._segments()) >= 2
    handle.ix.close()
    assert _everything(tmp_path / "parallel", queries) == _everything(tmp_path / "serial", queries)


def test_a_lost_worker_segment_fails_the_build_and_keeps_the_old_index(tmp_path, seeds_copy,
                                                                      monkeypatch):
    indexer.update(seeds_copy, tmp_path / "ix", procs=1)
    before = indexer.read_meta(tmp_path / "ix")["manifest"]
    from whoosh.searching import Searcher

    # what MpWriter does when a worker dies: its segment is silently missing
    monkeypatch.setattr(Searcher, "doc_count", lambda self: 3)
    with pytest.raises(indexer.IndexBuildError, match="3 of"):
        indexer.update(seeds_copy, tmp_path / "ix", rebuild=True, procs=2)
    monkeypatch.undo()
    assert indexer.read_meta(tmp_path / "ix")["manifest"] == before
    assert len([p for p in (tmp_path / "ix").iterdir() if p.name.startswith("gen-")]) == 1


def test_files_in_other_formats_are_named_not_failed(tmp_path, capsys):
    """A clerk's ``.doc`` or ``.csv`` in the folder is named as not read, by the command, on the
    home page and in ``/status.json``, neither failing the update (exit 0) nor counted as a
    document; hidden files, office lock files, the configuration files and an index kept in
    the folder are not named (they vanished without a word: new-user trial)."""
    from bs4 import BeautifulSoup

    from webapp import create_app

    seeds, ix = tmp_path / "seeds", tmp_path / "seeds" / "ix"
    (seeds / "sub").mkdir(parents=True)
    (seeds / "a.txt").write_text("下穿隧道工程的通知。", encoding="utf-8")
    for name in ["report.doc", "data.csv", "sub/pic.jpg", "README", ".hidden.doc",
                 "~$report.docx"]:
        (seeds / name).write_bytes(b"\x00\x01 not a document")
    (seeds / "userdict.txt").write_text("下穿隧道\n", encoding="utf-8")
    (seeds / "synonyms.txt").write_text("隧道 地道\n", encoding="utf-8")
    assert indexer_main(["--seeds", str(seeds), "--index", str(ix)]) == 0
    out = capsys.readouterr().out
    other = ["README", "data.csv", "report.doc", "sub/pic.jpg"]
    assert f"note: 4 file(s) in other formats not read: {', '.join(other)}" in out
    assert "0 failed" in out and "1 added" in out
    meta = indexer.read_meta(ix)
    assert meta["skipped"] == other and meta["skipped_count"] == 4 and meta["documents"] == 1
    # one more, with no document changed: recorded all the same, for the pages to list
    (seeds / "sub" / "form.xlsx").write_bytes(b"PK")
    report = indexer.update(seeds, ix)
    assert not report.wrote and report.skipped == [*other[:3], "sub/form.xlsx", "sub/pic.jpg"]
    client = create_app({"TESTING": True, "SEEDS_DIR": str(seeds),
                         "INDEX_DIR": str(ix)}).test_client()
    status = client.get("/status.json").get_json()
    assert status["skipped"] == report.skipped and status["skipped_count"] == 5
    assert [f["path"] for f in status["files"]] == ["a.txt"] and status["failed"] == []
    for path in ["/", "/status"]:
        page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        listed = [li.get_text() for li in page.select(".skipped-files li")]
        assert listed == report.skipped, path
    assert indexer.update(seeds, ix).skipped == report.skipped  # nothing more written
    link = tmp_path / "link"  # the same folder by a link: the index in it is still not listed
    link.symlink_to(seeds, target_is_directory=True)
    assert indexer.update(link, ix).skipped == report.skipped


def test_an_empty_seeds_folder_does_not_empty_the_index(tmp_path, capsys):
    """An update from a folder holding nothing at all (an unmounted share's mount point) would
    remove every document: it is refused, by the command (exit 1), the library and
    POST /reindex (409), and the index is left as it was; --rebuild empties it on purpose
    (second breaker round). A folder holding anything else (a file in another format, an
    empty subfolder) is updated as usual."""
    from webapp import create_app

    seeds, ix = tmp_path / "seeds", tmp_path / "ix"
    seeds.mkdir()
    for name in ("a", "b"):
        (seeds / f"{name}.txt").write_text(f"{name}文件里的公安工作。", encoding="utf-8")
    indexer.update(seeds, ix)
    for f in seeds.iterdir():
        f.unlink()
    with pytest.raises(indexer.SeedsEmptyError):
        indexer.update(seeds, ix)
    assert indexer_main(["--seeds", str(seeds), "--index", str(ix)]) == 1
    assert "is empty, and the index holds 2 file(s)" in capsys.readouterr().err
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(ix),
                      "ADMIN_TOKEN": "t0ken"})
    resp = app.test_client().post("/reindex", headers={"Authorization": "Bearer t0ken"})
    assert resp.status_code == 409 and "文档文件夹是空的" in resp.get_json()["error"]
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        assert s.search(s.parse("公安")).total == 2
    (seeds / "notes.doc").write_bytes(b"x")  # not empty: its documents are gone indeed
    assert indexer.update(seeds, ix).removed == ["a.txt", "b.txt"]
    (seeds / "notes.doc").unlink()
    assert indexer.update(seeds, ix, rebuild=True).sections == 0
    (seeds / "a.txt").write_text("公安", encoding="utf-8")
    indexer.update(seeds, ix)
    (seeds / "a.txt").unlink()
    (seeds / "sub").mkdir()
    assert indexer.update(seeds, ix).removed == ["a.txt"]


def test_the_note_naming_other_files_stays_one_line():
    """A skipped file named with a line break split the printed note in two (breaker)."""
    note = indexer.UpdateReport(skipped=["a\nb.doc", "c.csv"]).skipped_note()
    assert "\n" not in note and "a\\u000ab.doc, c.csv" in note  # as every line names files


def test_meta_json_is_parsed_once_until_it_changes(tmp_path, monkeypatch, seeds_dir):
    """``read_meta`` and ``current_meta`` share one parse of ``meta.json`` while the file is
    the same (a service's start read it five times); an update that rewrites it, and a
    damaged file, are seen at once."""
    from indexer import indexing

    indexer.update(seeds_dir, tmp_path / "ix")
    parses = []
    real = json.loads
    monkeypatch.setattr(indexing.json, "loads",
                        lambda text, *a, **k: parses.append(1) or real(text, *a, **k))
    monkeypatch.setattr(indexing, "_META_CACHE", {})
    handle = indexer.open_index(tmp_path / "ix")
    first = indexer.read_meta(tmp_path / "ix")
    assert handle.current_meta() is first and indexer.read_meta(tmp_path / "ix") is first
    assert len(parses) == 1
    path = handle.path / indexing.META
    path.write_text(json.dumps({**first, "sections": 99}), encoding="utf-8")
    assert indexer.read_meta(tmp_path / "ix")["sections"] == 99 and len(parses) == 2
    assert handle.current_meta()["sections"] == 99 and len(parses) == 2
    path.write_text("{damaged", encoding="utf-8")
    assert indexer.read_meta(tmp_path / "ix") is None
    assert handle.current_meta() == handle.meta
    handle.ix.close()


def test_a_build_removes_only_the_generations_it_wrote(tmp_path):
    """Every full build removed each ``gen-*`` entry of the index folder but the new and the
    previous generation: a user's ``gen-2023年度报告`` folder, in a folder given as
    ``--index``, was deleted, documents and all (breaker). Only folders holding the
    generation mark or an index's files are ours to remove."""
    from indexer.indexing import GENERATION_MARK

    seeds, index = tmp_path / "seeds", tmp_path / "work"
    seeds.mkdir()
    (seeds / "a.md").write_text("# 甲\n\n正文。\n", encoding="utf-8")
    mine = {index / "gen-2023年度报告" / "报告.txt": "2023年度报告正文。",
            index / "gen-ai-notes" / "notes.txt": "my notes",
            index / "gen-000777" / "plan.txt": "important",
            # a dated folder with a meta.json of its own was taken for ours (breaker)
            index / "gen-20240101" / "meta.json": "{}",
            index / "gen-20240101" / "report.txt": "2024年报告"}
    for path, text in mine.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for _ in range(4):  # each rebuild removes the generation before the previous one
        report = indexer.update(seeds, index, rebuild=True)
    assert all(path.read_text(encoding="utf-8") == text for path, text in mine.items())
    ours = sorted(p.name for p in index.glob("gen-*") if (p / GENERATION_MARK).exists())
    assert len(ours) == 2 and ours[-1] == report.generation
    assert report.generation > "gen-000777"  # past the user's folder, never into it


def test_the_index_folder_cannot_be_the_documents_folder_nor_empty(tmp_path, capsys):
    """``--seeds docs --index docs`` wrote the index among the documents and listed its own
    files as documents of other formats; an empty ``--index ""`` (a variable unset) wrote
    it into the current folder (breaker)."""
    import indexer.__main__ as cli
    from webapp import __main__ as web

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# 甲\n\n正文。\n", encoding="utf-8")
    with pytest.raises(indexer.IndexLocationError, match="documents' folder"):
        indexer.update(docs, docs)
    assert sorted(p.name for p in docs.iterdir()) == ["a.md"]
    assert cli.main(["--seeds", str(docs), "--index", str(docs)]) == 1
    assert "documents' folder" in capsys.readouterr().err
    for main, args in ((cli.main, ["--index", ""]), (cli.main, ["--seeds", " "]),
                       (web.main, ["--index", ""]), (web.main, ["--seeds", ""])):
        with pytest.raises(SystemExit) as exited:
            main(args)
        assert exited.value.code == 2
        assert "an empty folder name" in capsys.readouterr().err


def test_a_new_generation_is_on_disk_before_current_names_it(tmp_path, monkeypatch):
    """After a power cut, CURRENT named a new generation whose files were still empty,
    beside the intact previous one: "no index" (breaker). Every file of the generation, and
    CURRENT's new text, are synced before CURRENT is replaced."""
    import os

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.md").write_text("# 甲\n\n正文。\n", encoding="utf-8")
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: events.append(
        ("sync", os.readlink(f"/proc/self/fd/{fd}"))) or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: events.append(
        ("replace", os.fspath(b))) or real_replace(a, b))
    report = indexer.update(seeds, tmp_path / "ix")
    switched = events.index(("replace", os.fspath(tmp_path / "ix" / "CURRENT")))
    synced = {path for kind, path in events[:switched] if kind == "sync"}
    gen = tmp_path / "ix" / report.generation
    assert {os.fspath(p) for p in gen.iterdir()} | {os.fspath(gen)} <= synced
    assert os.fspath(tmp_path / "ix" / "CURRENT.tmp") in synced


def test_an_index_inside_the_documents_folder_is_said_to_be_left_unread(tmp_path, capsys):
    """``--seeds docs --index docs/2023`` left ``docs/2023/report.txt`` out of the index with
    no note (breaker): the update says the index folder is not read; a hidden one
    (``docs/.index``) needs no word."""
    from indexer.progress import print_report

    docs = tmp_path / "docs"
    (docs / "2023").mkdir(parents=True)
    (docs / "a.md").write_text("# 甲\n\n正文。\n", encoding="utf-8")
    (docs / "2023" / "report.txt").write_text("二〇二三年的报告。\n", encoding="utf-8")
    report = indexer.update(docs, docs / "2023")
    assert report.index_inside == "2023" and report.added == ["a.md"]
    print_report(report, str(docs / "2023"))
    assert "the index folder 2023 is inside the documents' folder" in capsys.readouterr().out
    assert indexer.update(docs, docs / ".index").index_inside == ""
