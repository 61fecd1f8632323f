"""Why a file could not be indexed, in English and in Chinese, from one table.

A failure is recorded in English (the command line's report, logs, ``meta.json`` and the
``reason`` of ``/status.json``), and an index keeps the reasons of files that failed in an
earlier run and did not change. The web pages speak Chinese: :func:`chinese` reads a recorded
English reason back against the same table it was written from and words it in Chinese, so
every reason an index holds, however old, is shown in the page's language (one it does not
know, from an older version's wording, is shown as recorded).
"""

from __future__ import annotations

import re
import string
from typing import NamedTuple


class Reason(NamedTuple):
    """One kind of failure: :meth:`str.format` templates with the same named fields."""

    english: str
    chinese: str


REASONS: dict[str, Reason] = {
    "bad_name": Reason("file name is not valid UTF-8; rename the file",
                       "文件名不是有效的 UTF-8：请改名"),
    "outside": Reason("links outside the seeds folder; not read",
                      "链接指向资料文件夹以外：未读取"),
    "not_a_file": Reason("not a regular file", "不是普通文件"),
    "linked_folder": Reason("a link to a folder: linked folders are not read; move or copy the "
                            "folder into the seeds folder",
                            "指向文件夹的链接：不读取链接的文件夹；请把文件夹移动或复制到资料文件夹中"),
    "too_many_bytes": Reason("{size} bytes is over the {limit}-byte limit",
                             "{size} 字节，超过 {limit} 字节的上限"),
    "loop": Reason("cannot read: symlink loop", "无法读取：符号链接循环"),
    "unreadable": Reason("cannot read: {error}", "无法读取：{error}"),
    "nul_characters": Reason("contains NUL characters: looks like a binary file",
                             "含有 NUL 字符：像是二进制文件"),
    "bad_bom": Reason("has a {encoding} byte-order mark but is not valid {encoding} at byte {at}",
                      "有 {encoding} 字节顺序标记，但从第 {at} 个字节起不是有效的 {encoding}"),
    "nul_bytes": Reason("contains NUL bytes: not a text file (an archive, an image or an Office "
                        "file renamed?), or UTF-16 without a byte-order mark",
                        "不是文本文件（含有 NUL 字节：也许是改了扩展名的压缩包、图片或办公文档），"
                        "或是没有字节顺序标记的 UTF-16"),
    "encoding_guessed": Reason(
        "cannot tell its encoding: not UTF-8 (bad byte at {at}) and not readable as {tried}; "
        "it looks like {guess}",
        "无法确定编码：不是 UTF-8（第 {at} 个字节有误），也不能按 {tried} 读取；看起来像 {guess}"),
    "encoding": Reason(
        "cannot tell its encoding: not UTF-8 (bad byte at {at}) and not readable as {tried}",
        "无法确定编码：不是 UTF-8（第 {at} 个字节有误），也不能按 {tried} 读取"),
    "docx_extra": Reason("reading .docx needs the 'docx' extra: pip install -e '.[docx]'",
                         "读取 .docx 需要安装 docx 扩展：pip install -e '.[docx]'"),
    "bad_docx": Reason("not a readable .docx file ({error}): damaged, cut short, or not a .docx",
                       "不是可读的 .docx 文件（{error}）：文件可能已损坏、不完整，或并非 .docx"),
    "docx_too_large": Reason("its text parts unpack to {size} bytes, over the {limit}-byte limit "
                             "(a .docx of a few hundred pages holds a few MB; is it damaged?)",
                             "其文字部分解压后有 {size} 字节，超过 {limit} 字节的上限"
                             "（几百页的 .docx 也只有几兆字节：文件可能已损坏）"),
    "pdf_extra": Reason("reading .pdf needs the 'pdf' extra: pip install -e '.[pdf]'",
                        "读取 .pdf 需要安装 pdf 扩展：pip install -e '.[pdf]'"),
    "encrypted": Reason("is encrypted", "已加密，无法读取"),
    "scanned_pdf": Reason("its {pages} page(s) hold no text, only images: a scanned PDF? "
                          "index a text version, or run OCR on it first",
                          "{pages} 页中没有文字，只有图像：可能是扫描件；请提供文字版，或先做文字识别"),
    "bad_pdf": Reason("not a readable PDF ({error}): damaged, cut short, or not a PDF",
                      "不是可读的 PDF（{error}）：文件可能已损坏、不完整，或并非 PDF"),
    "file_type": Reason("unsupported file type {suffix}", "不支持的文件类型 {suffix}"),
    "bad_character": Reason(
        "its text has an invalid character (U+{point}) at position {at}; "
        "is its declared encoding right?",
        "文本第 {at} 个字符是无效字符（U+{point}）：文件声明的编码对吗？"),
    "too_many_characters": Reason(
        "{chars} characters of text is over the {limit}-character limit; split the file",
        "文本 {chars} 个字符，超过 {limit} 个字符的上限：请拆分文件"),
    "unparsable": Reason("could not be parsed ({error})", "无法解析（{error}）"),
    "read_too_long": Reason("took over {seconds} s to read, and was given up (an unusual file: "
                            "save it again, or as another format)",
                            "读取超过 {seconds} 秒，已放弃（文件结构异常：请重新保存，或另存为其他格式）"),
    "long_synonym_group": Reason(
        "line {line}: {count} terms is over the {limit}-term limit of a group; its first {limit} are used",
        "第 {line} 行：{count} 个词，超过一组 {limit} 个的上限；只用了前 {limit} 个"),
    "many_synonyms": Reason(
        "{term} has {count} synonyms, over the limit of {limit}; it matches the first {limit}",
        "{term} 有 {count} 个同义词，超过 {limit} 个的上限；它只匹配前 {limit} 个"),
    "more_problems": Reason("{count} more problems of the same kinds, not listed",
                            "另有 {count} 个同类问题，未列出"),
}
"""Every reason a file can fail for, by code. In :func:`chinese`'s matching the first entry
that fits wins, so a special case comes before the general one it also fits (``loop`` before
``unreadable``)."""

OS_ERRORS = {
    "Permission denied": "没有读取权限",
    "No such file or directory": "文件已不存在",
    "Is a directory": "是文件夹",
    "Input/output error": "输入输出错误",
    "Too many levels of symbolic links": "符号链接层数过多",
    "File name too long": "文件名过长",
}
"""Chinese for the operating system's messages (``strerror``) a read most often fails with."""


def english(code: str, /, **fields) -> str:
    """The English reason ``code`` with ``fields`` filled in.

    Raises:
        KeyError: no such code, or a field the template names is missing.
    """
    return REASONS[code].english.format(**fields)


def _pattern(template: str) -> re.Pattern:
    """A regular expression matching what ``template`` formats to, capturing its fields (a
    field named twice must be the same text both times)."""
    out, seen = [], set()
    for literal, field, _, _ in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if field is not None:
            out.append(f"(?P={field})" if field in seen else f"(?P<{field}>.+?)")
            seen.add(field)
    return re.compile("".join(out), re.DOTALL)


_PATTERNS = [(_pattern(r.english), r) for r in REASONS.values()]


def chinese(reason: str) -> str:
    """The Chinese of an English ``reason`` as :func:`english` words it (an operating-system
    message inside it too, where :data:`OS_ERRORS` knows it; a list of encodings joined with
    或; an offset ``at``, counted from 0 in English, as the ordinal 第 N 个 from 1);
    ``reason`` itself when no entry of :data:`REASONS` fits it."""
    for pattern, entry in _PATTERNS:
        found = pattern.fullmatch(reason)
        if found:
            fields = found.groupdict()
            if "error" in fields:
                fields["error"] = OS_ERRORS.get(fields["error"], fields["error"])
            if "tried" in fields:  # "gb18030 or big5"
                fields["tried"] = " 或 ".join(fields["tried"].split(" or "))
            if fields.get("at", "").isdigit():  # an offset from 0; "第 N 个" counts from 1
                fields["at"] = str(int(fields["at"]) + 1)
            return entry.chinese.format(**fields)
    return reason
