"""Hostile files in the seeds folder: each is reported and skipped, or indexed within bounds,
and never stops the others from being indexed. Expected hits come from substring search over
the section texts (``oracle``)."""

from __future__ import annotations

import os
import pathlib

import indexer
from indexer.documents import MAX_DOCUMENT_CHARS
from indexer.failures import chinese
from indexer.sections import MAX_SECTION_CHARS

from . import oracle

GOOD = "社区民警走访群众，听取意见。积案清理工作取得明显进展。\n"


def _make(seeds: pathlib.Path) -> None:
    seeds.mkdir()
    (seeds / "good.txt").write_text(GOOD, encoding="utf-8")
    (seeds / "binary.txt").write_bytes(bytes(range(256)) * 64)
    # 50 MB on one line: over the character limit, refused before any analysis
    (seeds / "huge.txt").write_bytes("公安".encode("utf-8") * (50 * 1024 * 1024 // 6))
    # one line of 2.5 sections' worth: cut into parts, the last words still found
    line = "".join(f"第{i}号文件规定的事项" for i in range(MAX_SECTION_CHARS * 5 // 2 // 10))
    (seeds / "long_line.txt").write_text(line + "尾部独有的短语", encoding="utf-8")
    (seeds / "tiny.txt").write_text("".join(f"第{i}段。\n\n" for i in range(100_000)), encoding="utf-8")
    nested = "\n".join("#" * (i % 6 + 1) + f" 标题{i}\n\n内容{i}" for i in range(5000))
    (seeds / "nested.md").write_text(nested + "\n" + "> " * 5000 + "深层引用\n", encoding="utf-8")
    os.symlink("loop_b.txt", seeds / "loop_a.txt")
    os.symlink("loop_a.txt", seeds / "loop_b.txt")
    os.symlink("/etc/hostname", seeds / "outside.txt")
    (seeds / "locked.txt").write_text("锁住的文件", encoding="utf-8")
    (seeds / "vanishing.txt").write_text("读取前消失的文件", encoding="utf-8")


def test_hostile_files_are_reported_and_the_rest_indexed(tmp_path, monkeypatch):
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    _make(seeds)
    real_read = pathlib.Path.read_bytes

    def read_bytes(self):
        # as root, chmod cannot make a file unreadable: inject the errors the OS would give
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        if self.name == "vanishing.txt":
            self.unlink()
            raise FileNotFoundError(2, "No such file or directory")
        return real_read(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    report = indexer.update(seeds, index_dir)
    monkeypatch.undo()
    reasons = dict(report.failed)
    assert set(reasons) == {"binary.txt", "huge.txt", "loop_a.txt", "loop_b.txt", "outside.txt",
                            "locked.txt", "vanishing.txt"}, reasons
    assert f"{MAX_DOCUMENT_CHARS:,}" in reasons["huge.txt"]
    assert "loop" in reasons["loop_a.txt"] and "outside" in reasons["outside.txt"]
    assert "Permission denied" in reasons["locked.txt"]
    assert "No such file" in reasons["vanishing.txt"]
    assert not any(str(tmp_path) in r for r in reasons.values())  # reasons are shown on pages
    # every reason recorded is one the pages can say in Chinese
    assert all(not oracle.english_left(chinese(r)) for r in reasons.values()), reasons

    sections = oracle.load_sections(seeds)
    with indexer.SearchSession(indexer.open_index(index_dir)) as session:
        indexed = {d.path for d in session.documents()}
    assert indexed == {"good.txt", "long_line.txt", "tiny.txt", "nested.md"}
    assert max(len(s.text) for s in sections) <= MAX_SECTION_CHARS
    long_parts = [s for s in sections if s.doc_id == "long_line"]
    assert len(long_parts) >= 3 and "".join(s.text for s in long_parts).endswith("尾部独有的短语")
    with indexer.SearchSession(indexer.open_index(index_dir)) as session:
        for q in ("听取意见", '"尾部独有的短语"', "第99999段", "深层引用", "标题4999", "第7号文件"):
            want = oracle.unquoted(sections, q.strip('"'))
            assert want, q
            assert session.all_section_ids(indexer.parse_query(q)) == want, q


def test_a_page_declaring_an_escape_codec_or_a_bad_user_dictionary_line_stops_nothing(tmp_path):
    """<meta charset="unicode_escape"> once produced lone surrogates that crashed the whole
    build; a user dictionary frequency written "²" crashed jieba's loading."""
    seeds, index_dir = tmp_path / "seeds", tmp_path / "ix"
    seeds.mkdir()
    (seeds / "good.txt").write_text(GOOD, encoding="utf-8")
    page = '<html><head><meta charset="{}"></head><body><h1>T</h1><p>abc \\ud800 def \xff</p></body></html>'
    for i, codec in enumerate(["unicode_escape", "raw_unicode_escape", "undefined", "utf-7"]):
        (seeds / f"p{i}.html").write_bytes(page.format(codec).encode("latin-1"))
    (seeds / "userdict.txt").write_text("公安 ² n\n民警 5 n\n", encoding="utf-8")
    report = indexer.update(seeds, index_dir)
    assert {p for p, _ in report.failed} <= {f"p{i}.html" for i in range(4)}
    with indexer.SearchSession(indexer.open_index(index_dir)) as session:
        assert session.all_section_ids(indexer.parse_query("听取意见"))


def test_a_link_to_a_folder_is_reported_not_passed_over(tmp_path):
    """Links to folders, inside the seeds or out of them, were passed over without a word
    (breaker): each is listed as failed, with what to do, in English and Chinese; the folder
    a link inside points to is read once, where it is."""
    from webapp import create_app

    seeds, elsewhere = tmp_path / "seeds", tmp_path / "elsewhere"
    (seeds / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    (seeds / "sub" / "a.txt").write_text("子文件夹里的文件。", encoding="utf-8")
    (elsewhere / "b.txt").write_text("外面文件夹里的文件。", encoding="utf-8")
    (seeds / "linkin").symlink_to(seeds / "sub", target_is_directory=True)
    (seeds / "sub" / "linkout").symlink_to(elsewhere, target_is_directory=True)
    report = indexer.update(seeds, tmp_path / "ix")
    reasons = dict(report.failed)
    assert set(reasons) == {"linkin/", "sub/linkout/"}
    assert all("link to a folder" in r for r in reasons.values())
    assert report.added == ["sub/a.txt"]
    client = create_app({"TESTING": True, "SEEDS_DIR": str(seeds),
                         "INDEX_DIR": str(tmp_path / "ix")}).test_client()
    failed = {f["path"]: f for f in client.get("/status.json").get_json()["failed"]}
    assert failed["linkin/"]["reason_zh"].startswith("指向文件夹的链接")


def test_a_folder_that_cannot_be_listed_is_named(tmp_path, monkeypatch):
    """A sub-folder that lost its read permission was passed over as if empty: its documents
    were removed with no failure and nothing on /status (breaker). It is named, with the
    reason, as an unreadable file is; the other files are indexed. (Run as root, a mode of
    000 does not stop the walk: the listing is refused here by the test.)"""
    import os

    from indexer.failures import chinese

    seeds = tmp_path / "seeds"
    (seeds / "locked").mkdir(parents=True)
    (seeds / "locked" / "page.txt").write_text("锁住的正文。", encoding="utf-8")
    (seeds / "ok.txt").write_text("能读的正文。", encoding="utf-8")
    assert indexer.update(seeds, tmp_path / "ix").added == ["locked/page.txt", "ok.txt"]
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = indexer.update(seeds, tmp_path / "ix")
    assert [tuple(f) for f in report.failed] == [("locked/", "cannot read: Permission denied")]
    assert report.removed == ["locked/page.txt"] and "权限" in chinese(report.failed[0][1])
