"""/status, /status.json and the optional POST /reindex."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from bs4 import BeautifulSoup

import indexer
from webapp import create_app

from . import oracle


def test_status_json(client, seed_index, seeds_dir):
    data = client.get("/status.json").get_json()
    meta = indexer.read_meta(seed_index)
    sections = oracle.load_sections(seeds_dir)
    assert (data["documents"], data["sections"]) == (len({s.doc_id for s in sections}), len(sections))
    assert data["generation"].startswith("gen-") and data["built_at"] == meta["built_at"]
    assert data["files"] == [{"path": "000_8750069abcf0ab7e.txt", "encoding": "utf-8"}]
    assert data["failed"] == [] and "full rebuild" in data["last_update"]


def test_index_status_reads_what_an_update_recorded_and_defaults_what_an_older_one_did_not(
        tmp_path):
    """:func:`indexer.index_status` gives a page an index's state without its ``meta.json``
    keys: the facts of a real update, and for the metadata of an index written before some
    keys existed, their defaults (``updated_at`` then the build's time)."""
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    (seeds / "a.md").write_text("# 甲\n\n第一篇正文。", encoding="utf-8")
    (seeds / "b.txt").write_bytes("乙篇的正文，用国标码保存。".encode("gbk"))
    (seeds / "empty.md").write_text("", encoding="utf-8")
    (seeds / "c.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    report = indexer.update(seeds, index)
    status = indexer.index_status(indexer.read_meta(index), report.generation)
    assert status.generation == report.generation and status.sections == report.sections
    assert status.documents == 2 and status.empty == ("empty.md",)
    assert status.skipped == ("c.doc",) and status.skipped_count == 1
    assert status.files == (("a.md", "utf-8"), ("b.txt", "gb18030"), ("empty.md", "utf-8"))
    assert status.updated_at == status.built_at and status.last_update_counts["added"] == 3

    old = indexer.index_status({"sections": 5, "built_at": "2020-01-01T00:00:00+00:00"})
    assert (old.sections, old.updated_at, old.files, old.failed, old.skipped_count) == (
        5, "2020-01-01T00:00:00+00:00", (), (), 0)
    assert indexer.index_status(None) == indexer.IndexStatus()


def test_answers_name_the_index_version_they_were_read_from(tmp_path):
    """A script paging through results while the index changed got pages that repeated
    sections, with nothing in them to tell (new-user trial): ``index_version`` names the
    state read, the same until an update changes the index, in results and concordance."""
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    (seeds / "a.md").write_text("# 甲\n\n学而时习之。\n", encoding="utf-8")
    indexer.update(seeds, index)
    client = create_app({"TESTING": True, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(index)}).test_client()

    def versions():
        return {client.get(path, query_string={"q": "学而"}).get_json()["index_version"]
                for path in ("/search.json", "/concordance.json")}

    first = versions()
    assert len(first) == 1 and next(iter(first)).startswith("gen-")
    indexer.update(seeds, index)  # nothing changed: nothing written
    assert versions() == first
    (seeds / "b.md").write_text("# 乙\n\n学而不思则罔。\n", encoding="utf-8")
    indexer.update(seeds, index)
    second = versions()
    assert len(second) == 1 and second != first
    indexer.update(seeds, index, rebuild=True)
    third = versions()
    assert len(third) == 1 and third not in (first, second)


def test_docs_json_says_when_the_index_last_changed(tmp_path):
    """``/docs.json``'s ``updated_at`` follows an incremental update while ``built_at`` stays
    the full build's (a program polling it for changes saw only the full build's time)."""
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    (seeds / "a.md").write_text("# 甲\n\n第一篇正文。", encoding="utf-8")
    indexer.update(seeds, index)
    # as if built long ago: an update carries the build's time over from this meta
    live = index / (index / "CURRENT").read_text().strip()
    meta = json.loads((live / "meta.json").read_text(encoding="utf-8"))
    meta["built_at"] = meta["updated_at"] = "2020-01-01T00:00:00+00:00"
    (live / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (seeds / "b.md").write_text("# 乙\n\n第二篇正文。", encoding="utf-8")
    indexer.update(seeds, index)
    after = indexer.read_meta(index)
    client = create_app({"TESTING": True, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(index)}).test_client()
    data = client.get("/docs.json").get_json()
    assert len(data["docs"]) == 2
    assert data["built_at"] == after["built_at"] == "2020-01-01T00:00:00+00:00"
    assert data["updated_at"] == after["updated_at"] > "2020-01-01T00:00:00+00:00"


def test_a_service_searches_with_the_prefix_dictionary_as_it_would_with_a_dict(
        seeds_dir, seed_index, monkeypatch):
    """A started service (``open_now``) reads jieba's dictionary as a PrefixDictionary, not a
    dict, and keeps it while it only searches; its answers (ranked by the query's words) are
    those a dict gives."""
    from indexer import analysis
    from webapp.index_access import open_now

    monkeypatch.setattr(analysis, "_cache_dir", [str(seed_index)])  # as opening it sets
    monkeypatch.setattr(analysis, "_jieba_tokenizers", {})
    analysis._jieba(())  # writes the dictionary's cache if this process never loaded jieba
    monkeypatch.setattr(analysis, "_jieba_tokenizers", {})  # as a fresh process has them
    monkeypatch.setattr(analysis, "_cut_cache", {})
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "INDEX_DIR": str(seed_index)})
    open_now(app)
    client = app.test_client()
    queries = ["公安 维护", "两个确立", "青海省公安厅", "全面深化平安建设", "政治安全 稳定"]
    lean = [client.get("/search.json", query_string={"q": q}).get_json() for q in queries]
    tok = analysis._jieba(())
    assert isinstance(tok.FREQ, analysis.PrefixDictionary)
    analysis.complete_dictionary(tok)
    assert type(tok.FREQ) is dict
    monkeypatch.setattr(analysis, "_cut_cache", {})
    assert [client.get("/search.json", query_string={"q": q}).get_json() for q in queries] == lean
    assert all(page["total"] for page in lean)


def test_status_page_lists_failures_and_encodings(corpus_client):
    page = BeautifulSoup(corpus_client.get("/status").get_data(as_text=True), "html.parser")
    failed = page.select_one(".failed").get_text()
    assert "bad-bytes.txt" in failed and "无法确定编码" in failed and "encoding" not in failed
    listed = corpus_client.get("/status.json").get_json()["failed"]
    bad = next(f for f in listed if f["path"] == "bad-bytes.txt")
    assert bad["reason"].startswith("cannot tell its encoding")  # recorded in English
    assert bad["reason_zh"].startswith("无法确定编码") and bad["reason_zh"] in failed
    home = BeautifulSoup(corpus_client.get("/").get_data(as_text=True), "html.parser")
    assert bad["reason_zh"] in home.select_one(".failed").get_text()
    rows = {tr.find_all("td")[0].get_text(): tr.find_all("td")[1].get_text()
            for tr in page.select(".files tbody tr")}
    assert rows["cases.md"] == "utf-8" and rows["bad-bytes.txt"] == "—"
    # the last update in the page's language, from the counts the JSON gives too
    counts = corpus_client.get("/status.json").get_json()["last_update_counts"]
    assert counts["kind"] == "full" and counts["added"] == len(rows) and counts["failed"] >= 1
    said = page.select_one("#last-update").get_text()
    assert said.startswith("完整重建：") and not any(c.isascii() and c.isalpha() for c in said)
    assert f"新增 {counts['added']}、" in said and f"失败 {counts['failed']}、" in said
    assert f"共 {counts['sections']} 个章节" in said


@pytest.fixture()
def admin_app(tmp_path, seeds_dir):
    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir, seeds)
    indexer.update(seeds, tmp_path / "ix")
    return create_app({"TESTING": True, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"),
                       "ADMIN_TOKEN": "s3cret-token"}), seeds


def test_reindex_needs_the_token(admin_app):
    app, seeds = admin_app
    client = app.test_client()
    assert client.post("/reindex").status_code == 403
    assert client.post("/reindex", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/reindex").status_code == 405
    (seeds / "new.txt").write_text("网页触发的重新索引。\n", encoding="utf-8")
    resp = client.post("/reindex", headers={"Authorization": "Bearer s3cret-token"})
    assert resp.status_code == 200 and resp.get_json()["added"] == ["new.txt"]
    assert client.get("/search.json?q=%E7%BD%91%E9%A1%B5%E8%A7%A6%E5%8F%91").get_json()["total"] == 1


def test_reindex_does_not_exist_without_a_token(client):
    assert client.post("/reindex").status_code in (404, 405)
    assert "reindex" not in {r.endpoint for r in client.application.url_map.iter_rules()}


def test_reindex_is_rate_limited_per_client_whatever_the_token(admin_app):
    """Guessing the token is bounded: every attempt counts, and the limit answers 429 JSON."""
    from webapp.status_views import REINDEX_RATE

    app, _ = admin_app
    client = app.test_client()
    allowed = int(REINDEX_RATE.split()[0])
    statuses = [client.post("/reindex", headers={"Authorization": f"Bearer guess{i}"}).status_code
                for i in range(allowed)]
    assert statuses == [403] * allowed
    refused = client.post("/reindex", headers={"Authorization": "Bearer s3cret-token"})
    assert refused.status_code == 429 and refused.get_json()["error"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    other = app.test_client()  # another address is not held back by this one
    ok = other.post("/reindex", headers={"Authorization": "Bearer s3cret-token"},
                    environ_base={"REMOTE_ADDR": "127.0.0.2"})
    assert ok.status_code == 200


def test_reindex_accepts_any_case_of_the_scheme_and_hides_internals(admin_app, monkeypatch):
    import indexer

    app, _ = admin_app
    client = app.test_client()
    assert client.post("/reindex", headers={"Authorization": "bearer s3cret-token"}).status_code == 200

    def full_disk(*_a, **_k):
        raise indexer.IndexWriteError("cannot write the index in /secret/path: No space left")

    monkeypatch.setattr(indexer, "update", full_disk)
    resp = client.post("/reindex", headers={"Authorization": "Bearer s3cret-token"},
                       environ_base={"REMOTE_ADDR": "127.0.0.3"})
    assert resp.status_code == 503 and "/secret" not in resp.get_data(as_text=True)


def test_status_says_an_update_took_a_new_synonyms_file_into_use(admin_app):
    """An update with no document changed but a new ``synonyms.txt`` changes what searches
    find; the page said "已是最新，没有写入" (new-user trial)."""
    app, seeds = admin_app
    (seeds / "synonyms.txt").write_text("公安 警察\n武警 武装警察\n", encoding="utf-8")
    report = indexer.update(seeds, app.config["INDEX_DIR"])
    assert report.synonym_groups == 2 and not report.wrote
    client = app.test_client()
    assert client.get("/status.json").get_json()["last_update_counts"]["synonym_groups"] == 2
    page = BeautifulSoup(client.get("/status").get_data(as_text=True), "html.parser")
    said = page.select_one("#last-update").get_text()
    assert said.startswith("文档已是最新（synonyms.txt 有变化，现用 2 组同义词）：")
    # with documents changed too, the page still says so (breaker)
    (seeds / "synonyms.txt").write_text("公安 警察\n", encoding="utf-8")
    (seeds / "new.txt").write_text("新增的文件。\n", encoding="utf-8")
    assert indexer.update(seeds, app.config["INDEX_DIR"]).synonym_groups == 1
    page = BeautifulSoup(client.get("/status").get_data(as_text=True), "html.parser")
    assert page.select_one("#last-update").get_text().startswith(
        "增量更新（synonyms.txt 有变化，现用 1 组同义词）：")


def test_the_home_and_status_pages_name_empty_files_alike(tmp_path):
    """The home page headed its list of empty files "空文件（没有文字）", the status page
    "空文件" (UI review): one heading on both, over the same files."""
    from .conftest import small_index

    index = small_index(tmp_path, {"a.md": "# 甲\n\n第一篇正文。", "empty.md": ""})
    client = create_app({"SEEDS_DIR": str(tmp_path / "seeds"), "INDEX_DIR": str(index),
                         "TESTING": True}).test_client()
    said = []
    for path in ("/", "/status"):
        page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        files = page.select_one("ul.empty-files")
        said.append((files.find_previous_sibling("h2").get_text(), files.get_text()))
    assert said[0] == said[1] == ("空文件（没有文字）", "empty.md")


def test_an_unreadable_documents_folder_is_said_so_and_the_index_kept(admin_app, monkeypatch,
                                                                      capsys):
    """A documents' folder the service may not read (``chmod 000``, a share's access list)
    raised the bare PermissionError: a traceback from ``python -m indexer``, a 500 from
    ``POST /reindex``, and a restart that died instead of serving the complete index
    (breaker). Each says so, and the index stays as it was and is served. (Tests run as root,
    which reads any folder: the refusal is the operating system's, simulated here.)"""
    import indexer.__main__ as cli
    from webapp import __main__ as web

    app, seeds = admin_app
    index = app.config["INDEX_DIR"]
    before = indexer.read_meta(index)["manifest"]
    real = os.scandir

    def refused(path="."):
        if os.fspath(path) == os.fspath(seeds):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", refused)
    with pytest.raises(indexer.SeedsUnreadableError, match="cannot read the documents' folder"):
        indexer.update(seeds, index)
    resp = app.test_client().post("/reindex", headers={"Authorization": "Bearer s3cret-token"})
    assert resp.status_code == 409 and "没有权限" in resp.get_json()["error"]
    capsys.readouterr()
    assert cli.main(["--seeds", str(seeds), "--index", index]) == 1
    assert "cannot read the documents' folder" in capsys.readouterr().err
    # the service serves the index it has (None: served as it is), and refuses with no index
    assert web._brought_up_to_date(str(seeds), index) is None
    assert "serving the index as it is" in capsys.readouterr().out
    assert web._brought_up_to_date(str(seeds), index + "-none") is False
    assert "cannot read the documents' folder" in capsys.readouterr().err
    assert indexer.read_meta(index)["manifest"] == before


def test_a_service_serves_its_index_when_the_disk_cannot_be_written(admin_app, monkeypatch,
                                                                    capsys):
    """A read-only or full disk, or a documents' folder gone, stopped the service from
    starting though a complete index was there (breaker); it is served, not updated. A
    first build that cannot be written says no index was made (it said the previous one was
    still in use)."""
    from webapp import __main__ as web

    app, seeds = admin_app
    index = app.config["INDEX_DIR"]
    for error in (indexer.IndexWriteError("cannot write the index: No space left on device"),
                  indexer.IndexLocationError("cannot use it: Read-only file system"),
                  FileNotFoundError("the documents' folder is gone")):
        def update(*_a, error=error, **_k):
            raise error
        monkeypatch.setattr(indexer, "update", update)
        assert web._brought_up_to_date(str(seeds), index) is None
        assert "serving the index as it is" in capsys.readouterr().out
    monkeypatch.undo()
    fresh = seeds.parent / "fresh"
    real_replace = os.replace

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(indexer.IndexWriteError, match="no index was made"):
        indexer.update(seeds, fresh)
    monkeypatch.setattr(os, "replace", real_replace)
