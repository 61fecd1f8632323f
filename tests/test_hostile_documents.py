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


def _docx(path: pathlib.Path, text: str, empty_paragraphs: int = 0, main: str = "") -> None:
    """A .docx of one paragraph ``text``, then ``empty_paragraphs`` empty ones (``<w:p/>``,
    six bytes each: a zip bomb's way to a huge tree from a small file); ``main``: another
    name for its main part (``word/document.bin``), which the package's relationships and
    content types name, so that it is read all the same."""
    import io
    import zipfile

    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(text)
    document.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            name = item.filename
            if name == "word/document.xml":
                at = data.index(b"</w:body>")
                data = data[:at] + b"<w:p/>" * empty_paragraphs + data[at:]
                name = main or name
            elif main and name in ("_rels/.rels", "[Content_Types].xml"):
                data = data.replace(b"word/document.xml", main.encode())
            elif main and name == "word/_rels/document.xml.rels":
                name = f"word/_rels/{main.rsplit('/', 1)[1]}.rels"
            out.writestr(name, data)


def _slow_pdf(path: pathlib.Path, pages: int, tokens: int) -> None:
    """A small PDF whose pages share one compressed content stream of ``tokens`` operators:
    pypdf spends seconds a page on it."""
    import io
    import zlib

    stream = zlib.compress(b"BT /F1 12 Tf 72 712 Td (zqpdf) Tj ET\n" + b"1 0 0 1 0 0 cm\n" * tokens)
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
               + b"\nendstream"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                b"/Resources << /Font << /F1 3 0 R >> >> >>"] * pages
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for k, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % k + body + b"\nendobj\n")
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, start))
    path.write_bytes(out.getvalue())


def test_files_that_would_take_hours_or_gigabytes_fail_alone(tmp_path, monkeypatch):
    """One small file could stop a whole update (breaker): a 290 KB .docx of 30 million empty
    paragraphs took 3.9 GB and was killed for memory, a 164 KB PDF whose pages share one huge
    content stream would have read for 1.7 hours, and a 54 MB text file took 2.2 GB only to
    be refused as too long. Each now fails on its own, said why, before or within its budget
    (the limits are lowered here to keep the test small), and the others are indexed."""
    import time

    from indexer import documents, formats, indexing, sources

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "good.md").write_text("# 好文件\n\n正常的正文内容。\n", encoding="utf-8")
    _docx(seeds / "fine.docx", "正常的文档正文。")
    # python-docx's own template is 0.8 MB of XML; these empty paragraphs add 1.2 MB
    _docx(seeds / "bomb.docx", "炸弹文件。", empty_paragraphs=200_000)
    # its main part under another name than .xml went uncounted, and was parsed (breaker)
    _docx(seeds / "renamed.docx", "改名文件。", empty_paragraphs=200_000, main="word/document.bin")
    _slow_pdf(seeds / "slow.pdf", pages=3, tokens=300_000)
    (seeds / "long.txt").write_text("长" * 2_000, encoding="utf-8")  # 6,000 bytes
    monkeypatch.setattr(formats, "MAX_DOCX_XML_BYTES", 1_500_000)
    monkeypatch.setattr(indexing, "READ_BUDGET_S", 1.0)
    monkeypatch.setattr(documents, "MAX_DOCUMENT_CHARS", 1_000)
    decoded = []
    real_decode = sources.decode
    monkeypatch.setattr(formats, "decode", lambda s: decoded.append(s.rel_path) or real_decode(s))
    started = time.monotonic()
    report = indexer.update(seeds, tmp_path / "ix")
    assert time.monotonic() - started < 20
    failed = dict(report.failed)
    assert set(failed) == {"bomb.docx", "renamed.docx", "slow.pdf", "long.txt"}
    assert "unpack to" in failed["bomb.docx"] and "1,500,000-byte limit" in failed["bomb.docx"]
    assert "unpack to" in failed["renamed.docx"]
    assert failed["slow.pdf"].startswith("took over 1 s to read")
    assert "1,500+ characters" in failed["long.txt"] and "long.txt" not in decoded
    assert all(chinese(reason) != reason for reason in failed.values())
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as s:
        assert s.search(s.parse("正文")).total == 2


def test_empty_office_files_are_empty_and_a_stray_marked_section_is_text(tmp_path):
    """A 0-byte .docx or .pdf failed as "damaged, cut short" while README lists empty files
    as empty, and a page holding ``a<![ x`` in its text was refused whole, Python's HTML
    parser giving up on it (breaker)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "blank.docx").write_bytes(b"")
    (seeds / "blank.pdf").write_bytes(b"")
    (seeds / "page.html").write_text(
        "<html><body><h1>通知</h1><p>比较 a<![ x 的写法，照常索引。</p></body></html>",
        encoding="utf-8")
    report = indexer.update(seeds, tmp_path / "ix")
    assert report.failed == [] and sorted(report.empty) == ["blank.docx", "blank.pdf"]
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as s:
        assert s.search(s.parse('"a<![ x 的写法"')).total == 1
