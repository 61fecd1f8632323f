"""Incremental updates answer exactly as a full rebuild would, after any sequence of edits."""

from __future__ import annotations

import os
from pathlib import Path
import random
import shutil

import pytest

import indexer
from indexer import postings

from . import oracle
from .child import run_python

PARAGRAPHS = [
    "公安机关依法打击电信网络诈骗犯罪。", "积案清理工作取得明显进展。", "武警部队执行安保任务。",
    "IT行业从业人员遵守网络安全法。", "2022 年 1 月召开全国会议。", "第5条 公民应当遵守法律。",
    "扫黑除恶专项斗争常态化开展。", "平安建设迈上新台阶。", "社区民警走访群众，听取意见。",
]


def stored(index_dir) -> set[tuple[str, str, str]]:
    """(section_id, path, text) of every section in the index."""
    handle = indexer.open_index(index_dir)
    with handle.ix.searcher() as s:
        out = set()
        for reader, _ in s.reader().leaf_readers():
            for d in range(reader.doc_count_all()):
                if not reader.is_deleted(d):
                    f = reader.stored_fields(d)
                    out.add((f["section_id"], f["path"], postings.section_text(reader, d)))
        return out


def assert_matches_full_rebuild(seeds, index_dir, tmp_path, queries):
    fresh = tmp_path / f"fresh-{random.random()}"
    indexer.update(seeds, fresh, rebuild=True)
    assert stored(index_dir) == stored(fresh)
    sections = oracle.load_sections(seeds)
    with indexer.SearchSession(indexer.open_index(index_dir)) as session:
        for q in queries:
            assert session.all_section_ids(indexer.parse_query(q)) == oracle.unquoted(sections, q), q
    shutil.rmtree(fresh)


def write(path, paragraphs, title="标题"):
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(paragraphs)
    text = f"# {title}\n\n{body}\n" if path.suffix == ".md" else f"{title}\n\n{body}\n"
    path.write_text(text, encoding="utf-8")


QUERIES = ["公安", "案", "武警", "it", "2022年1月", "第5条", "标题", "平安", "民警", "不存在的词"]


def test_add_change_delete_rename_noop_cycle(tmp_path):
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:3])
    write(seeds / "b.md", PARAGRAPHS[3:6], title="乙")
    first = indexer.update(seeds, index_dir)
    assert first.full and first.added == ["a.txt", "b.md"]
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, QUERIES)

    write(seeds / "sub" / "c.txt", PARAGRAPHS[6:])                     # add
    r = indexer.update(seeds, index_dir)
    assert (r.full, r.added, r.changed, r.removed, r.unchanged) == (
        False, ["sub/c.txt"], [], [], ["a.txt", "b.md"])
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, QUERIES)

    write(seeds / "a.txt", PARAGRAPHS[:2] + ["新增加的一句话。"])         # change
    r = indexer.update(seeds, index_dir)
    assert r.changed == ["a.txt"] and not r.added and not r.removed
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, QUERIES + ["新增加"])

    (seeds / "b.md").rename(seeds / "b2.md")                           # rename
    r = indexer.update(seeds, index_dir)
    assert r.added == ["b2.md"] and r.removed == ["b.md"]
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, QUERIES)

    (seeds / "sub" / "c.txt").unlink()                                  # delete
    r = indexer.update(seeds, index_dir)
    assert r.removed == ["sub/c.txt"]
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, QUERIES)

    before = stored(index_dir)                                          # no-op
    r = indexer.update(seeds, index_dir)
    assert not r.wrote and stored(index_dir) == before
    assert r.sections == len(before)

    (seeds / "a.txt").write_bytes(b"\x80\x81 bad")                      # change to undecodable
    r = indexer.update(seeds, index_dir)
    assert r.changed == ["a.txt"] and [p for p, _ in r.failed] == ["a.txt"]
    assert not [s for s in stored(index_dir) if s[1] == "a.txt"]  # its old sections are gone
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, QUERIES)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edit_sequences(tmp_path, seed):
    rng = random.Random(seed)
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    names = ["a.txt", "b.md", "c/d.txt", "c/e.md", "f.txt"]
    write(seeds / "a.txt", PARAGRAPHS[:2])
    # a folder left with nothing at all in it is refused instead (an unmounted share:
    # test_an_empty_seeds_folder_does_not_empty_the_index); a hidden file keeps it not bare
    (seeds / ".keep").write_text("", encoding="utf-8")
    indexer.update(seeds, index_dir)
    for _step in range(6):
        for _ in range(rng.randint(1, 3)):
            name = rng.choice(names)
            path = seeds / name
            if path.exists() and rng.random() < 0.35:
                path.unlink()
            else:
                write(path, rng.sample(PARAGRAPHS, rng.randint(1, 4)), title=rng.choice(["甲", "乙"]))
        indexer.update(seeds, index_dir)
        assert_matches_full_rebuild(seeds, index_dir, tmp_path, QUERIES)


def test_no_duplicates_after_a_crash_between_commit_and_manifest(tmp_path, monkeypatch):
    # the commit happened, meta.json did not: the next run must redo, not duplicate
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:2])
    indexer.update(seeds, index_dir)
    write(seeds / "b.txt", PARAGRAPHS[2:4])
    from indexer import indexing

    def crash(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(indexing, "_write_meta", crash)
    with pytest.raises(KeyboardInterrupt):
        indexer.update(seeds, index_dir)
    monkeypatch.undo()
    r = indexer.update(seeds, index_dir)
    assert r.added == ["b.txt"]
    ids = [s[0] for s in stored(index_dir)]
    assert len(ids) == len(set(ids))
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, QUERIES)


def test_a_changed_analysis_signature_rebuilds(tmp_path, monkeypatch):
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:2])
    first = indexer.update(seeds, index_dir)
    from indexer import analysis, indexing

    changed = dict(analysis.analysis_signature(), dictionary="another dictionary")
    monkeypatch.setattr(indexing, "analysis_signature", lambda *_: changed)
    r = indexer.update(seeds, index_dir)
    assert r.full and r.generation != first.generation


def test_progress_is_a_bar_on_a_terminal_and_log_lines_otherwise(tmp_path):
    import io

    from indexer import make_progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    seeds = tmp_path / "seeds"
    for i in range(3):
        write(seeds / f"{i}.txt", PARAGRAPHS[i:i + 2])
    for stream, expect in [(Terminal(), "/3 [00:"), (io.StringIO(), "analyzed 3/3 files")]:
        progress, close = make_progress(stream)
        indexer.update(seeds, tmp_path / f"ix-{expect}", progress=progress)
        close()
        assert expect in stream.getvalue()


def test_ranking_after_deletions_matches_a_fresh_build(tmp_path):
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", ["公安机关平安建设迈上新台阶。"])
    write(seeds / "b.txt", ["公安机关依法打击犯罪。" + "社区民警走访群众，听取意见。" * 6] * 2)
    write(seeds / "big.txt", ["扫黑除恶专项斗争常态化开展。" * 200] * 10)
    indexer.update(seeds, index_dir)
    (seeds / "big.txt").unlink()
    indexer.update(seeds, index_dir)
    fresh = tmp_path / "fresh"
    indexer.update(seeds, fresh, rebuild=True)

    def ranked(ix):
        with indexer.SearchSession(indexer.open_index(ix)) as s:
            return [(h.section_id, h.score) for h in s.search(indexer.parse_query("公安")).hits]

    # same order; scores equal up to Whoosh's field-length bookkeeping across merges: a merge
    # re-adds each section's length from its one-byte (lossy) encoding, so the average field
    # length, and with it BM25's length normalisation, moves by a few percent at most
    updated, rebuilt = ranked(index_dir), ranked(fresh)
    assert [i for i, _ in updated] == [i for i, _ in rebuilt]
    assert all(abs(a - b) <= 0.03 * b for (_, a), (_, b) in zip(updated, rebuilt))


def test_abandoned_rebuilds_are_cleaned_up_by_the_next_run(tmp_path):
    from indexer.indexing import GENERATION_MARK

    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:2])
    live = indexer.update(seeds, index_dir).generation
    # what killed --rebuild runs leave behind: a generation begun (its mark), one of a version
    # before the mark (Whoosh's table of contents); a folder holding neither is not known to be ours
    # and stays (a user's gen-* folder was deleted: breaker)
    (index_dir / "gen-000005").mkdir()
    (index_dir / "gen-000005" / GENERATION_MARK).touch()
    (index_dir / "gen-000006").mkdir()
    (index_dir / "gen-000006" / "_MAIN_1.toc").write_bytes(b"")
    (index_dir / "gen-000007").mkdir()
    indexer.update(seeds, index_dir)
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [live, "gen-000007"]


def test_watch_filter_keeps_folders_with_dots_and_drops_hidden_and_index_paths(tmp_path):
    from indexer.__main__ import _relevant

    seeds = tmp_path / "seeds"
    keep = _relevant(seeds, seeds / ".index")
    assert keep(None, str(seeds / "v1.2"))
    assert keep(None, str(seeds / "rel.2024" / "c.txt"))
    assert not keep(None, str(seeds / ".git" / "x.txt"))
    assert not keep(None, str(seeds / "~$report.docx"))
    assert not keep(None, str(seeds / ".index" / "gen-000001" / "x.seg"))
    # a symlink loop raised out of the filter and ended the watcher (breaker): it counts as a
    # change, and the update reports the loop
    seeds.mkdir()
    (seeds / "a.md").symlink_to("b.md")
    (seeds / "b.md").symlink_to("a.md")
    assert keep(None, str(seeds / "a.md"))


def test_watch_goes_on_when_a_folder_cannot_be_watched(tmp_path, monkeypatch, capsys):
    """A folder the watcher may not read (permission denied) raised out of watchfiles and
    ended watching for every other file (breaker): it is said once, watching starts again
    after a pause, and the index catches up with what changed meanwhile."""
    import watchfiles

    import indexer.__main__ as cli

    seeds, index = tmp_path / "seeds", tmp_path / "ix"
    seeds.mkdir()
    (seeds / "a.txt").write_text("第一篇正文。", encoding="utf-8")
    cli.run_update(str(seeds), str(index), rebuild=False)
    rounds = []

    def watch(*_args, **_kwargs):
        rounds.append(1)
        if len(rounds) <= 2:
            (seeds / f"new{len(rounds)}.txt").write_text("后来的正文。", encoding="utf-8")
            raise PermissionError(13, "Permission denied")
        raise KeyboardInterrupt

    monkeypatch.setattr(watchfiles, "watch", watch)
    monkeypatch.setattr(cli, "WATCH_RETRY_S", 0.0)
    capsys.readouterr()
    assert cli.watch(str(seeds), str(index)) == 0
    assert len(rounds) == 3 and capsys.readouterr().err.count("cannot watch all of") == 1
    with indexer.SearchSession(indexer.open_index(index)) as s:
        assert s.search(s.parse("后来的正文")).total == 2


def test_watch_skips_a_batch_of_writes_the_last_update_already_read(
        tmp_path, monkeypatch, capsys):
    """Writes that ``--watch`` waited out before an update came again as the next batch, and
    each such batch ran one more update that found nothing (breaker). A batch whose files
    are as the last update read them is passed over; a later edit is not."""
    import watchfiles
    from watchfiles import Change

    import indexer.__main__ as cli

    seeds, index = tmp_path / "seeds", tmp_path / "ix"
    seeds.mkdir()
    a = seeds / "a.txt"
    a.write_text("第一版正文。", encoding="utf-8")
    cli.run_update(str(seeds), str(index), rebuild=False)

    def watch(*_args, **_kwargs):
        a.write_text("第二版正文。", encoding="utf-8")
        yield {(Change.modified, str(a))}
        yield {(Change.modified, str(a))}  # the same writes, told again
        os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 10**9))
        a.write_text("第三版正文。", encoding="utf-8")
        yield {(Change.modified, str(a))}

    monkeypatch.setattr(watchfiles, "watch", watch)
    monkeypatch.setattr(cli, "WATCH_QUIET_MS", 50)
    capsys.readouterr()
    assert cli.watch(str(seeds), str(index)) == 0
    out = capsys.readouterr().out
    assert out.count("change(s) seen") == 2 and out.count("incremental update") == 2, out
    with indexer.SearchSession(indexer.open_index(index)) as s:
        assert s.search(s.parse("第三版")).total == 1


def test_unchanged_files_are_not_read_again_but_every_edit_is_seen(tmp_path, monkeypatch):
    """Stat keys (size, mtime, ctime, inode) spare reading unchanged files; an edit that keeps
    the size and puts the old mtime back is still found (its ctime moved)."""
    import os

    from indexer import sources

    # files made by the test are all "racy" (modified within the last 2 s): let the keys count
    monkeypatch.setattr(sources, "RACY_NS", 0)
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:3])
    write(seeds / "b.txt", PARAGRAPHS[3:6])
    indexer.update(seeds, index_dir)
    known = indexer.indexing._known_files(indexer.read_meta(index_dir))
    assert {f.rel_path: f.data for f in sources.scan(seeds, known).files} == {"a.txt": None, "b.txt": None}

    a = seeds / "a.txt"
    before = a.stat()
    text = a.read_text(encoding="utf-8")
    a.write_text(text.replace("武警", "民兵"), encoding="utf-8")  # same size in UTF-8
    os.utime(a, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert a.stat().st_size == before.st_size and a.stat().st_mtime_ns == before.st_mtime_ns
    r = indexer.update(seeds, index_dir)
    assert (r.changed, r.unchanged) == (["a.txt"], ["b.txt"])
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, ["武警", "民兵", "公安"])


def test_a_file_edited_just_after_an_update_is_read_again(tmp_path):
    """Within the racy window a matching stat key is not trusted (racy-git)."""
    from indexer import sources

    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:3])
    indexer.update(seeds, index_dir)
    known = indexer.indexing._known_files(indexer.read_meta(index_dir))
    assert all(f.data is not None for f in sources.scan(seeds, known).files)


def test_files_read_again_only_because_they_were_racy_are_not_read_a_third_time(
        tmp_path, monkeypatch):
    """An update that changed nothing but had to read files changed just before the last
    scan records its own scan time, so that the next update only stats them."""
    import time

    from indexer import sources

    monkeypatch.setattr(sources, "RACY_NS", 200_000_000)  # 0.2 s rather than 2 s
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:3])
    write(seeds / "b.txt", PARAGRAPHS[3:6])
    indexer.update(seeds, index_dir)  # the files are racy: changed just before this scan
    time.sleep(0.3)

    def read(index_dir):
        known = indexer.indexing._known_files(indexer.read_meta(index_dir))
        return sorted(f.rel_path for f in sources.scan(seeds, known).files if f.data is not None)

    assert read(index_dir) == ["a.txt", "b.txt"]
    r = indexer.update(seeds, index_dir)  # reads them again, finds them unchanged
    assert (r.added, r.changed, r.removed) == ([], [], [])
    assert read(index_dir) == []
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, ["武警", "公安"])


def test_an_update_that_cannot_record_its_scan_still_succeeds(tmp_path, monkeypatch):
    """Recording new stat keys or a new scan time after an update that changed nothing is a
    saving for the next one: a full disk then leaves the old record (and no temporary file)
    instead of failing the update, which would keep a service from starting."""
    import errno
    import os

    from indexer import indexing

    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:3])
    indexer.update(seeds, index_dir)
    before = indexer.read_meta(index_dir)
    os.utime(seeds / "a.txt", ns=(1, 1))  # a new stat key, the same content

    def full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(indexing.Path, "write_text", full)
    r = indexer.update(seeds, index_dir)
    assert (r.added, r.changed, r.removed, r.unchanged) == ([], [], [], ["a.txt"])
    assert indexer.read_meta(index_dir) == before
    assert not list(index_dir.glob("gen-*/*.tmp"))
    monkeypatch.undo()
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, ["武警", "公安"])


def test_an_update_that_cannot_record_a_new_folder_fails(tmp_path, monkeypatch):
    """The same files in another folder must be recorded (a bare update reads the folder
    recorded): when that cannot be written the update fails and says so, rather than report
    success and follow the old folder afterwards (breaker)."""
    import errno
    import os
    import shutil

    from indexer import indexing

    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:3])
    indexer.update(seeds, index_dir)
    moved = tmp_path / "moved"
    shutil.copytree(seeds, moved)

    def full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(indexing.Path, "write_text", full)
    with pytest.raises(indexer.IndexWriteError):
        indexer.update(moved, index_dir)
    monkeypatch.undo()
    assert indexer.read_meta(index_dir)["seeds_dir"] == os.path.abspath(seeds)
    assert not list(index_dir.glob("gen-*/*.tmp"))


def test_an_update_that_waited_behind_another_indexes_what_that_one_saw(tmp_path, monkeypatch):
    """An update that read the files, then found another update had committed before it got
    the lock, reads them again: it put back the older version it had read, and the index
    differed from a fresh build until the next update (breaker)."""
    from indexer import indexing

    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    write(seeds / "a.txt", PARAGRAPHS[:3])
    indexer.update(seeds, index_dir)
    (seeds / "a.txt").write_text("一、第一版的文字。\n", encoding="utf-8")
    real_lock = indexing._lock

    def another_update_first(folder):
        monkeypatch.setattr(indexing, "_lock", real_lock)
        (seeds / "a.txt").write_text("一、第二版的内容。\n", encoding="utf-8")
        assert indexer.update(seeds, index_dir).changed == ["a.txt"]
        return real_lock(folder)

    monkeypatch.setattr(indexing, "_lock", another_update_first)
    indexer.update(seeds, index_dir)  # read the first version, then waited
    assert_matches_full_rebuild(seeds, index_dir, tmp_path, ["第一版", "第二版", "武警"])


def test_kept_substring_matches_follow_deletions_and_changes(tmp_path, monkeypatch):
    """Verified substring matches are kept per segment (``matching._containing``). A section
    deleted from a segment whose matches were kept must drop out of the answer, and a changed
    file must be searched afresh, each equal to substring search over the new texts."""
    from indexer import matching

    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    for k in range(12):  # one deletion stays under MAX_DELETED_SHARE: the segment is kept
        line = "公安机关依法打击犯罪。" if k < 3 else PARAGRAPHS[1 + k % 8]
        write(seeds / f"{k:02}.txt", [f"第{k}号文件说明{line}"])
    indexer.update(seeds, index_dir)
    scans = []
    real = matching.column_texts
    monkeypatch.setattr(matching, "column_texts", lambda *a: scans.append(a) or real(*a))

    def answer(q):
        with indexer.SearchSession(indexer.open_index(index_dir)) as session:
            segments = [r.segment().segment_id() for r, _ in session._searcher.reader().leaf_readers()]
            got = session.all_section_ids(indexer.parse_query(q))
        assert got == oracle.unquoted(oracle.load_sections(seeds), q), q
        return got, segments

    got, before = answer("公安机关")
    assert len(got) == 3 and len(scans) == 1
    (seeds / "01.txt").unlink()
    indexer.update(seeds, index_dir)
    got, after = answer("公安机关")
    assert len(got) == 2
    assert after == before and len(scans) == 1  # answered from what was kept, minus the deleted
    write(seeds / "02.txt", ["第2号文件说明量子通信试验成功。"])
    indexer.update(seeds, index_dir)
    assert len(answer("公安机关")[0]) == 1
    assert len(answer("量子通信")[0]) == 1


def test_a_search_opened_before_a_merging_update_answers_from_its_snapshot(tmp_path):
    """An incremental update that merges segments deletes the merged ones' files. A session
    opened before it (a request that was waiting for a search slot) must still answer, from
    the index as it was when it opened: Whoosh opens column files (stored fields, the
    normalized text) on first use, and found them gone (a TypeError, or sections silently
    dropped)."""
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    for k in range(12):
        write(seeds / f"{k:02}.txt", [f"第{k}号文件说明公安机关依法打击犯罪。", PARAGRAPHS[1 + k % 8]])
    indexer.update(seeds, index_dir)
    before = oracle.load_sections(seeds)
    with indexer.SearchSession(indexer.open_index(index_dir)) as session:
        for k in range(6):  # half deleted: over MAX_DELETED_SHARE, so everything is merged
            (seeds / f"{k:02}.txt").unlink()
        indexer.update(seeds, index_dir)
        for q in ("公安机关", "第3号", "积案"):
            parsed = indexer.parse_query(q)
            page = session.search(parsed, per_page=100)
            want = oracle.unquoted(before, q)
            assert {h.section_id for h in page.hits} == want and page.total == len(want), q
            assert session.all_section_ids(parsed) == want
    with indexer.SearchSession(indexer.open_index(index_dir)) as session:  # and a new one sees the update
        assert session.all_section_ids(indexer.parse_query("公安机关")) == \
            oracle.unquoted(oracle.load_sections(seeds), "公安机关")


def _nested_seeds(root):
    made = ["a.txt", "sub/b.md", "sub/deep/c.txt", "空 格/文件.md", "sub/userdict.txt"]
    for rel in [*made, "userdict.txt", "synonyms.txt", ".hidden/x.txt", "sub/.y.txt"]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("依法行政", encoding="utf-8")
    return sorted(made)  # the root's userdict/synonyms are configuration, hidden ones skipped


@pytest.mark.parametrize("spelling", ["{abs}", "{abs}/", "{abs}/.", "{abs}//", "S", "S/", "./S",
                                      "S/sub/..", "S/./"])
def test_scan_finds_the_same_relative_paths_however_the_root_is_spelled(tmp_path, monkeypatch,
                                                                         spelling):
    from indexer.sources import scan

    want = _nested_seeds(tmp_path / "S")
    monkeypatch.chdir(tmp_path)
    found = scan(spelling.format(abs=tmp_path / "S"))
    assert sorted(f.rel_path for f in found.files) == want and not found.failed


def test_scan_of_a_relative_root_works_in_a_deleted_working_folder(tmp_path):
    want = _nested_seeds(tmp_path / "S")
    (tmp_path / "gone").mkdir()
    out = run_python(
        "import os\n"
        f"os.chdir({str(tmp_path / 'S' / 'sub')!r})\n"
        "from indexer.sources import scan\n"
        "print(sorted(f.rel_path for f in scan('..').files))\n"
        f"os.chdir({str(tmp_path / 'gone')!r}); os.rmdir({str(tmp_path / 'gone')!r})\n"
        f"print(sorted(f.rel_path for f in scan({str(tmp_path / 'S')!r}).files))\n"
        "print(scan('.').files)\n")
    assert out.splitlines() == [str(want), str(want), "[]"]


def test_an_index_given_another_folder_says_its_documents_were_replaced(tmp_path, capsys):
    """``--seeds OTHER`` on an index built from a folder replaces its documents with OTHER's:
    the report and both commands say so (a clerk's index of one folder was switched to another
    without a word: new-user trial); the next update from OTHER says nothing."""
    from indexer.__main__ import main

    first, other, ix = tmp_path / "first", tmp_path / "other", tmp_path / "ix"
    write(first / "a.txt", PARAGRAPHS[:2])
    write(other / "b.txt", PARAGRAPHS[2:4])
    assert indexer.update(first, ix).previous_seeds == ""
    report = indexer.update(other, ix)
    assert report.previous_seeds == str(first) and report.added == ["b.txt"]
    assert report.removed == ["a.txt"] and "documents are now" in report.switch_note()
    assert indexer.update(other, ix).switch_note() == ""
    capsys.readouterr()
    assert main(["--seeds", str(first), "--index", str(ix)]) == 0
    assert f"note: this index was updated from {other}" in capsys.readouterr().out
    assert main(["--seeds", str(first), "--index", str(ix)]) == 0
    assert "note:" not in capsys.readouterr().out
    from webapp.__main__ import ensure_index  # the service's start-up update says it too

    ensure_index(str(other), str(ix))
    assert f"note: this index was updated from {first}" in capsys.readouterr().out


def test_a_bare_update_follows_a_moved_folder_and_refuses_a_gone_one(tmp_path, capsys,
                                                                      monkeypatch):
    """A service started with ``--seeds B`` on the index of a folder moved from A to B (same
    files, so nothing to write) records B, and a bare ``python -m indexer`` then reads B; when
    the recorded folder is gone it stops with a message instead of reading the bundled seeds
    (it removed the index's documents and exited 0: breaker)."""
    from indexer.__main__ import main

    monkeypatch.delenv("ZHSEARCH_SEEDS", raising=False)
    first, moved, ix = tmp_path / "first", tmp_path / "moved", tmp_path / "ix"
    write(first / "a.txt", PARAGRAPHS[:2])
    indexer.update(first, ix)
    first.rename(moved)
    report = indexer.update(moved, ix)
    assert not report.wrote and report.previous_seeds == str(first)
    assert "the same files" in report.switch_note()  # nothing was replaced
    assert indexer.read_meta(ix)["seeds_dir"] == str(moved)
    write(moved / "b.txt", PARAGRAPHS[2:4])
    capsys.readouterr()
    assert main(["--index", str(ix)]) == 0
    out = capsys.readouterr().out
    assert f"seeds: {moved}" in out and "1 added" in out and "0 removed" in out
    shutil.rmtree(moved)
    assert main(["--index", str(ix)]) == 1
    assert "no longer a folder" in capsys.readouterr().err
    assert sorted(indexer.read_meta(ix)["manifest"]) == ["a.txt", "b.txt"]  # left as it was


def test_a_seeds_link_is_followed_not_the_folder_it_pointed_to(tmp_path, capsys, monkeypatch):
    """A service started with ``--seeds current`` (a link) and a bare ``python -m indexer``
    after the link was pointed at another folder reads that folder (the link's target was
    recorded, so the update said "up to date": breaker)."""
    from indexer.__main__ import main

    monkeypatch.delenv("ZHSEARCH_SEEDS", raising=False)
    one, two, link, ix = tmp_path / "one", tmp_path / "two", tmp_path / "current", tmp_path / "ix"
    write(one / "a.txt", PARAGRAPHS[:2])
    write(two / "b.txt", PARAGRAPHS[2:4])
    link.symlink_to(one, target_is_directory=True)
    indexer.update(link, ix)
    link.unlink()
    link.symlink_to(two, target_is_directory=True)
    capsys.readouterr()
    assert main(["--index", str(ix)]) == 0
    out = capsys.readouterr().out
    assert f"seeds: {link}" in out and "1 added" in out and "1 removed" in out


def test_a_log_interval_that_is_not_a_number_is_taken_as_the_default():
    """ZHSEARCH_LOG_EVERY_S=abc (or empty) stopped `import indexer`, and so the service's
    start, with a traceback (breaker)."""
    import os
    import subprocess
    import sys

    from indexer.progress import _seconds

    from .conftest import REPO

    assert _seconds("abc", 5.0) == 5.0 and _seconds("", 5.0) == 5.0
    assert _seconds(None, 5.0) == 5.0 and _seconds("0.5", 5.0) == 0.5
    env = {**os.environ, "ZHSEARCH_LOG_EVERY_S": "abc"}
    done = subprocess.run([sys.executable, "-c", "import indexer.progress as p; print(p.LOG_EVERY_S)"],
                          env=env, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0 and done.stdout.strip() == "5.0", done.stderr


def test_an_update_names_at_most_twenty_files_then_counts_the_rest():
    report = indexer.UpdateReport(added=[f"a{k}.txt" for k in range(15)],
                                  changed=[f"c{k}.txt" for k in range(10)], removed=["r.txt"])
    lines = report.changes()
    assert lines[:15] == [f"added: a{k}.txt" for k in range(15)]
    assert lines[15:20] == [f"changed: c{k}.txt" for k in range(5)] and lines[20:] == ["... and 6 more"]
    assert indexer.UpdateReport(full=True, added=["x.txt"]).changes() == []
    # a name cannot forge a line, nor reach the terminal with escapes (breaker)
    odd = indexer.UpdateReport(added=["bad\nfailed: ok.pdf", "a\x1b[31m.txt", "x\u202egnp.txt"])
    assert odd.changes() == ["added: bad\\u000afailed: ok.pdf", "added: a\\u001b[31m.txt",
                             "added: x\\u202egnp.txt"]


def test_failed_skipped_and_progress_lines_cannot_be_forged_by_a_name(capsys):
    """The ``failed:`` lines and the progress lines printed a name as it is: a file named
    ``evil\\nfailed: good.txt: fake reason.txt`` forged a failure of good.txt, and an escape
    sequence reached the terminal (breaker; only the added/changed/removed lines were safe)."""
    import io

    from indexer.progress import make_progress, print_report

    names = ["evil\nfailed: good.txt: fake reason.txt", "a\x1b[2Jb.pdf"]
    report = indexer.UpdateReport(failed=[[n, "cannot read"] for n in names],
                                  skipped=["x\ny.doc"])
    print_report(report, "ix")
    out, err = capsys.readouterr()
    assert err.splitlines() == ["failed: evil\\u000afailed: good.txt: fake reason.txt: cannot read",
                                "failed: a\\u001b[2Jb.pdf: cannot read"]
    assert "x\\u000ay.doc" in out and "\x1b" not in out + err
    stream = io.StringIO()
    progress, close = make_progress(stream)
    progress(1, 1, names[0])
    close()
    assert stream.getvalue().count("\n") == 1 and "\\u000afailed" in stream.getvalue()


def test_a_file_that_fails_is_named_so_and_watch_says_a_failure_once(tmp_path, capsys):
    """An update listed a broken new file as ``added: 乱码.txt`` beside "1 failed", and
    ``--watch`` printed every failing file again after each change (new-user trial)."""
    from indexer.__main__ import run_update

    seeds, index = tmp_path / "seeds", tmp_path / "ix"
    seeds.mkdir()
    (seeds / "好.txt").write_text("第一篇正文，说明情况。", encoding="utf-8")
    run_update(str(seeds), str(index), rebuild=False)
    capsys.readouterr()
    told: set = set()
    (seeds / "乱码.txt").write_bytes(bytes(range(128, 256)) * 3)
    report = run_update(str(seeds), str(index), rebuild=False, told=told)
    out, err = capsys.readouterr()
    assert [p for p, _ in report.failed] == ["乱码.txt"]
    assert "added, failed: 乱码.txt" in out.splitlines()
    assert err.count("failed: 乱码.txt: ") == 1
    (seeds / "新.txt").write_text("第二篇正文，补充说明。", encoding="utf-8")
    report = run_update(str(seeds), str(index), rebuild=False, told=told)
    out, err = capsys.readouterr()
    assert report.added == ["新.txt"] and [p for p, _ in report.failed] == ["乱码.txt"]
    assert "failed:" not in err and "1 file(s) still failing, as said before" in out
    # mended, then broken again the same way: told again (breaker)
    (seeds / "乱码.txt").write_text("修好了的文件。", encoding="utf-8")
    run_update(str(seeds), str(index), rebuild=False, told=told)
    (seeds / "乱码.txt").write_bytes(bytes(range(128, 256)) * 3)
    capsys.readouterr()
    run_update(str(seeds), str(index), rebuild=False, told=told)
    assert capsys.readouterr().err.count("failed: 乱码.txt: ") == 1


def test_watch_follows_a_replaced_folder_and_retries_an_update_that_could_not_run(
        tmp_path, monkeypatch, capsys):
    """``--watch`` resolved its folder once: a link re-pointed (``current -> v2``) or a folder
    swapped in by renames went unwatched, its files never indexed, nothing said; and a change
    whose update failed (a full disk) waited for another change (breaker). At each quiet
    check it follows what the name points to now, and tries a failed update again."""
    import watchfiles
    from watchfiles import Change

    import indexer.__main__ as cli

    v1, v2, index = tmp_path / "v1", tmp_path / "v2", tmp_path / "ix"
    v1.mkdir()
    v2.mkdir()
    (v1 / "a.md").write_text("# 甲\n\n第一版的正文。\n", encoding="utf-8")
    (v2 / "b.md").write_text("# 乙\n\n第二版的正文。\n", encoding="utf-8")
    current = tmp_path / "current"
    current.symlink_to(v1)
    cli.run_update(str(current), str(index), rebuild=False)
    real_update = cli.update
    calls = []

    def update(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 1:
            raise indexer.IndexWriteError("cannot write the index: No space left on device")
        return real_update(*args, **kwargs)

    watched = []

    def watch(path, **kwargs):
        watched.append(Path(path))
        assert kwargs["yield_on_timeout"] and kwargs["rust_timeout"] == cli.WATCH_CHECK_MS
        if len(watched) == 1:
            (v1 / "c.md").write_text("# 丙\n\n新加的正文。\n", encoding="utf-8")
            yield {(Change.added, str(v1 / "c.md"))}  # its update fails: the disk is full
            yield set()  # a quiet check: tried again, and it runs
            current.unlink()
            current.symlink_to(v2)  # re-pointed, as a release script does
            yield set()
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "update", update)
    monkeypatch.setattr(watchfiles, "watch", watch)
    monkeypatch.setattr(cli, "WATCH_QUIET_MS", 50)
    capsys.readouterr()
    assert cli.watch(str(current), str(index)) == 0
    out, err = capsys.readouterr()
    assert watched == [v1.resolve(), v2.resolve()]
    assert "No space left" in err and f"{current} now names another folder" in out
    assert len(calls) == 3  # the failed one, its retry, and the new folder's
    with indexer.SearchSession(indexer.open_index(index)) as s:
        assert s.search(s.parse("第二版")).total == 1  # the folder followed now
        assert s.search(s.parse("第一版")).total == 0
