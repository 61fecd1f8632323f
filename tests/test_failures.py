"""Why a file failed, in English (recorded) and Chinese (shown): indexer/failures.py. The
wordings come from one table; these tests hold every entry to read back, and every reason a
real failure records to be one the table knows."""

from __future__ import annotations

import re
import string

import pytest

from indexer.failures import OS_ERRORS, REASONS, chinese, english

from .oracle import english_left


def _fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


@pytest.mark.parametrize("code", list(REASONS))
def test_every_reason_reads_back_in_chinese(code):
    """The English a reason is recorded in reads back as its Chinese, fields carried over,
    with nothing English left but the fields and technical names."""
    entry = REASONS[code]
    assert sorted(set(_fields(entry.english))) == sorted(set(_fields(entry.chinese)))
    values = {f: f"值{k}" for k, f in enumerate(dict.fromkeys(_fields(entry.english)))}
    said = chinese(english(code, **values))
    assert said == entry.chinese.format(**values)
    assert english_left(said, *values.values()) == [], said


def test_a_special_case_wins_over_the_general_one_and_unknown_reasons_stay():
    assert chinese(english("loop")) == "无法读取：符号链接循环"
    assert chinese(english("unreadable", error="Permission denied")) == "无法读取：没有读取权限"
    assert chinese(english("unreadable", error="Exotic failure")) == "无法读取：Exotic failure"
    assert chinese("a reason some older version worded") == "a reason some older version worded"
    assert set(OS_ERRORS.values()) and all(not re.search("[A-Za-z]", v) for v in OS_ERRORS.values())
    # a field named twice must be the same text both times
    assert chinese("has a utf-8 byte-order mark but is not valid utf-16 at byte 3") == \
        "has a utf-8 byte-order mark but is not valid utf-16 at byte 3"
    assert chinese(english("bad_bom", encoding="utf-16", at=3)).startswith("有 utf-16 字节顺序标记")


def test_encodings_and_offsets_read_as_chinese():
    """A list of encodings tried is joined with 或, and an offset from 0 becomes an ordinal
    from 1 (the first byte is 第 1 个, not 第 0)."""
    said = chinese(english("encoding", at=0, tried="gb18030 or big5"))
    assert said == "无法确定编码：不是 UTF-8（第 1 个字节有误），也不能按 gb18030 或 big5 读取"
    assert english_left(said, "gb18030", "big5") == []
    said = chinese(english("bad_character", point="D800", at=41))
    assert said.startswith("文本第 42 个字符")
