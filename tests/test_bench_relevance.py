"""bench/relevance.py maps the sections the index returns back to CMRC passage ids: its figures
are only as good as that mapping (it matched an old section-id form and read 0 everywhere)."""

from __future__ import annotations

import sys
from pathlib import Path

import indexer

from . import oracle

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import relevance  # noqa: E402


def test_each_passage_is_one_section_mapped_back_to_its_id(tmp_path):
    passages = [{"_id": "TRAIN_1_QUERY_0", "title": "范廷颂", "text": "范廷颂是越南罗马天主教枢机。"},
                {"_id": "DEV_2", "title": "岳飞", "text": "岳飞是南宋抗金名将。"}]
    seeds = tmp_path / "seeds"
    back = relevance.write_passages(passages, seeds / "cmrc")
    sections = oracle.load_sections(seeds)
    assert sorted(relevance.passage_of(s.section_id, back) for s in sections) == \
        sorted(p["_id"] for p in passages)
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as session:
        page = session.search(session.parse("岳飞"))
        assert [relevance.passage_of(h.section_id, back) for h in page.hits] == ["DEV_2"]
    assert relevance.passage_of("law-s1234abcd", back) == "law-s1234abcd"
