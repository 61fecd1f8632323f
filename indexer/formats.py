"""File formats → one markdown-flavoured plain text.

Every format ends as the same thing: paragraphs separated by blank lines and, where the format
has headings, ``#``-marked heading lines (``## 第一章``), so one section splitter serves them all.

| suffix | read with | headings |
|---|---|---|
| ``.txt`` | :func:`indexer.sources.decode` (UTF-8/16/32, GB18030, Big5) | numbered sections (``一、``) |
| ``.md``, ``.markdown`` | the same | ``#`` … ``######`` |
| ``.html``, ``.htm`` | the same (or the page's ``<meta charset>``), then BeautifulSoup | ``<h1>`` … ``<h6>`` |
| ``.docx`` | python-docx (extra ``docx``) | paragraph styles Title, Heading 1–6 |
| ``.pdf`` | pypdf (extra ``pdf``); running headers and page numbers removed | numbered sections |
"""

from __future__ import annotations

import codecs

import io
import logging
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass

from .failures import english
from .markup import literal_line
from .normalize import is_wide
from .repair import RADICAL_IDEOGRAPHS, join_lines
from .sources import DocumentError, SourceFile, decode

TEXT_SUFFIXES = (".txt",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
MAX_DOCX_XML_BYTES = 32 * 1024 * 1024
"""A .docx whose parts other than pictures and media unpack to more than this (bytes) is
refused before it is parsed: python-docx holds the whole tree in memory, about twenty times
the XML's size."""
_DOCX_MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg",
               ".webp", ".ico", ".mp3", ".mp4", ".wav", ".avi", ".mov", ".wdp", ".jfif")
HTML_SUFFIXES = (".html", ".htm")


@dataclass(frozen=True)
class Extracted:
    """A file's text, ready for repair and sectioning.

    Attributes:
        text: paragraphs separated by blank lines; heading lines ``#``-marked when ``headed``.
        encoding: the codec a text file was read with, or the format name (``docx``, ``pdf``).
        headed: True when ``#`` lines are headings (Markdown, HTML, DOCX).
        paged: True when paragraphs may be cut at page breaks (plain text, Markdown, PDF): the
            page-break repair runs only then.
    """

    text: str
    encoding: str
    headed: bool
    paged: bool


def _inline(pieces: list[str]) -> str:
    """Join line pieces of one paragraph: no space between CJK characters, one otherwise."""
    out = ""
    for piece in (" ".join(p.split()) for p in pieces):
        if not piece:
            continue
        if out and not (is_wide(out[-1]) and is_wide(piece[0])):
            out += " "
        out += piece
    return out


_BLOCK_TAGS = ["p", "div", "li", "ul", "ol", "table", "tr", "td", "th", "section", "article",
               "header", "footer", "nav", "aside", "main", "blockquote", "pre", "dd", "dt", "dl",
               "figure", "figcaption", "address", "hr", "caption", "body"]
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "object", "head",
              "nav"]
"""Tags whose content is no text of the page: code, the ``<head>``, and navigation, which a
saved news page repeats (首页 国内 国际 财经 登录 …) and which made every saved page a hit for
首页 (new-user trial). An element with ``role="navigation"`` (WAI-ARIA's name for the same) is
dropped too, and so are the site's banner and footer (:func:`_site_chrome`)."""
_SECTIONING = ["article", "aside", "main", "nav", "section"]
"""Elements whose ``<header>`` and ``<footer>`` belong to them rather than to the site."""
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


_NOT_PAGE_ENCODINGS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined",
                       "utf-7"}
"""Python codecs a ``<meta charset>`` may name that no web page is written in: their decoders
interpret the bytes (``\\ud800`` becomes a lone surrogate) instead of reading characters."""


def _single_byte(codec: str) -> bool:
    """Whether ``codec`` reads one character a byte (Latin-1, Windows-1252…): Chinese bytes are
    mostly valid in it, so that they decode proves little."""
    return len(b"\xc4\xe3\xba\xc3".decode(codec, errors="replace")) == 4


def _decode_html(source: SourceFile) -> tuple[str, str]:
    """Valid UTF-8 (or a BOM) wins; else the page's declared ``<meta charset>`` if the bytes
    are valid in it, unless it is a single-byte one (``iso-8859-1``, ``windows-1252``) and the
    text files' detection reads them confidently as Chinese (a GBK page declared Latin-1 was
    indexed as mojibake: breaker); else that detection."""
    data = source.data
    declared = _META_CHARSET.search(data[:4096])
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            name = declared.group(1).decode("ascii").lower()
            try:
                codec = codecs.lookup(name).name
                if codec in _NOT_PAGE_ENCODINGS:
                    raise LookupError(name)
                # strictly in what it names: a page declared big5 holding Hong Kong's 邨 fails
                # here and is detected (as Big5-HKSCS); read by GB18030, which takes any
                # byte pair, a Big5 page declared gb2312 was read "validly" as mojibake. But
                # gb2312 is read as GBK, as browsers do (WHATWG Encoding Standard), strictly:
                # a GBK name list (王喆、李珺) declared gb2312 was refused, and 中华·国务院
                # stored with a katakana dot (breaker)
                text = data.decode("gbk" if codec == "gb2312" else name)
            except (LookupError, UnicodeError):
                pass  # a wrong or hostile declaration: detect instead
            else:
                if not _single_byte(codec):
                    return text, name
                try:
                    decoded = decode(source)
                except DocumentError:
                    return text, name  # not Chinese: the declaration stands
                return decoded.text, decoded.encoding
    decoded = decode(source)
    return decoded.text, decoded.encoding


_HEADINGS = {f"h{level}": level for level in range(1, 7)}


_SCOPING_ROLES = {"article", "complementary", "main", "navigation", "region"}
"""WAI-ARIA roles whose element owns the ``<header>`` and ``<footer>`` inside it (HTML-AAM),
as the :data:`_SECTIONING` tags do."""
_IN_TEXT, _IN_TEXT_ROLES = ("article", "section", "aside", "nav", "blockquote"), (
    "article", "region", "complementary", "navigation")
"""Elements within which an ``<aside>`` is part of the text (a note box) rather than the
page's sidebar (and so is ``<main>`` on a page without an ``<article>``: see
:func:`_site_chrome`)."""
_CONTENT_TAGS, _CONTENT_ROLES = ("main", "article"), ("main", "article")
"""What holds a page's own text: with one of these on the page, what stands outside them as
the page's footer or sidebar is the site's."""


def _role(tag) -> str:
    """The element's WAI-ARIA role: the first token of its ``role`` attribute, in lower case
    (browsers read it so), or ""."""
    role = tag.get("role")
    return role.lower().split()[0] if isinstance(role, str) and role.split() else ""


def _site_chrome(soup) -> tuple[set[int], set[int]]:
    """``(dropped, demoted)``: ``id``s of the elements that are the site's rather than the
    page's text, and of the headings of the site's banner, which are read as plain lines.
    Only on a page with an element of its own text (``<main>``, ``<article>``, or those
    roles); without one nothing changes (a blog post in ``<div>``s kept its header, a page
    written all in a ``<header>`` its text: breaker). After HTML-AAM's landmarks ("footer",
    "aside", "header"):

    - dropped, the site's footer: a ``<footer>`` (or ``role="contentinfo"``) outside every
      element that owns one (:data:`_SECTIONING`, ``<blockquote>``, whose footer is a
      quote's attribution, and :data:`_SCOPING_ROLES`): a saved page's 版权所有 … 电话 footer
      was matched in its last section (new-user trial);
    - dropped, its sidebars: an ``<aside>`` (or ``role="complementary"``) outside every
      :data:`_IN_TEXT` element, and outside ``<main>`` too unless the page has an
      ``<article>`` (a notice's 附注 box in its ``<main>`` stays: breaker; a blog theme's
      sidebar in ``<main>`` beside the ``<article>`` goes): related news and archives
      outranked the articles (new-user trial);
    - kept, the site's banner (such a ``<header>`` or ``role="banner"``), as its text may be
      the page's: a notice's title, 文号 and date, a post's title and byline (new-user trial,
      breaker); but its headings are read as plain lines, not as the document's title or
      sections, when the text has an ``<h1>`` of its own or the heading only shows a link or
      an image (a logo, a site name linking home): each rule that dropped banners lost some
      page's title, and each that kept their headings titled some site's pages after the
      site (breaker).

    Nothing that holds the page's ``<main>`` or ``<article>`` is dropped (an unclosed
    ``<header>`` holds all that follows: breaker); ``role="none"``/``"presentation"`` make an
    element no landmark; what is dropped anyway (a ``<nav>``'s heading, a ``<template>``'s
    ``<article>``) does not count.

    One walk over the tree and one step up from each heading to the first element already
    seen: nested headers (10,000 comments each with one, in unclosed ``<div>``s) made a search
    of each one's ancestors and descendants quadratic, 72 s for a 720 KB page (breaker)."""
    from bs4 import Tag

    footers, asides, contents, headings, banner_headings = [], [], [], [], []
    dropped_tags = {"title", *_DROP_TAGS}
    # (node, owned by a sectioning element, inside the text, inside a sidebar, inside <main>,
    # inside the site's banner, inside a link)
    stack = [(soup, False, False, False, False, False, False)]
    while stack:
        node, scoped, in_text, aside, in_main, banner, link = stack.pop()
        name, role = node.name, _role(node)
        if name in dropped_tags or role == "navigation":
            # what is dropped anyway says nothing of the page: a table of contents' heading
            # in a <nav>, an <article> in a <template> (breaker)
            continue
        content = name in _CONTENT_TAGS or role in _CONTENT_ROLES
        if content and not aside:
            contents.append(node)  # not an <article> listed in a sidebar (breaker)
        banner = banner and not content
        landmark = role not in ("none", "presentation")
        if name in _HEADINGS and banner:
            banner_headings.append((node, link))
        elif name in _HEADINGS:
            headings.append(node)
        if not scoped and landmark and (name == "footer" or role == "contentinfo"):
            footers.append(node)
        if not scoped and landmark and (name == "header" or role == "banner"):
            banner = True
        if not in_text and landmark and (name == "aside" or role == "complementary"):
            asides.append((node, in_main))
            aside = True
        scoped = scoped or name in _SECTIONING or name == "blockquote" or role in _SCOPING_ROLES
        in_text = in_text or name in _IN_TEXT or role in _IN_TEXT_ROLES
        in_main = in_main or name == "main" or role == "main"
        link = link or name == "a"
        stack.extend((child, scoped, in_text, aside, in_main, banner, link)
                     for child in reversed(node.contents) if isinstance(child, Tag))
    if not contents:
        return set(), set()

    def holders(found: list) -> set[int]:
        """``id``s of the elements holding one of ``found`` (each step up stops at an element
        already seen: linear in the page)."""
        held: set[int] = set()
        for tag in found:
            up = tag.parent
            while up is not None and id(up) not in held:
                held.add(id(up))
                up = up.parent
        return held

    # an unclosed <header> or <aside> holds all that follows it, the text too (breaker)
    enclosing = holders(contents)
    articles = any(c.name == "article" or _role(c) == "article" for c in contents)
    dropped = {id(f) for f in footers if id(f) not in enclosing}
    dropped |= {id(a) for a, in_main in asides
                if id(a) not in enclosing and (articles or not in_main)}
    own_h1 = holders([h for h in headings if h.name == "h1"])
    titled = any(id(c) in own_h1 for c in contents)
    demoted = {id(h) for h, link in banner_headings if titled or link or not _titles(h)}
    return dropped, demoted


def _titles(heading) -> bool:
    """Whether ``heading`` shows text of its own outside any link: a page's or a post's title,
    not a site's logo or name, which is a link home (``<h1><a>某市人民政府</a></h1>``) or an
    image (the caller rules out a heading inside a link, ``<a href="/"><h1>站名</h1></a>``)."""
    from bs4 import NavigableString

    for string in heading.find_all(string=True):
        if type(string) is not NavigableString or not string.strip():
            continue
        up = string.parent  # up to the heading only: deep pages stay linear
        while up is not heading and up.name != "a":
            up = up.parent
        if up is heading:
            return True
    return False


def _page_text(soup) -> tuple[str, bool]:
    """``(text, has_h1)``: the text of ``soup`` (strings of the types ``get_text`` reads:
    no comments, no ruby annotations) with a blank line around each block tag, a line break
    for each ``<br>``, each heading as one ``#`` line between blank lines, and the title and
    :data:`_DROP_TAGS` left out; ``has_h1``: whether an ``<h1>`` is kept.

    One walk over the tree, which is left as it is: marking blocks by inserting strings into
    it made each insertion search its parent's children (bs4's ``Tag.index``), so a page of
    20,000 paragraphs took 90 s and held the index lock all along (breaker)."""
    from bs4 import CData, NavigableString, Tag

    kept_strings = (NavigableString, CData)
    names = {"title", *_DROP_TAGS}
    blocks = set(_BLOCK_TAGS)
    chrome, demoted = _site_chrome(soup)

    def kept(tag) -> bool:
        # a role attribute lists fallbacks: the first one is the element's role, read in any
        # case, as browsers do (breaker: role="NAVIGATION" and "navigation main" were kept)
        return tag.name not in names and _role(tag) != "navigation" and id(tag) not in chrome

    def heading_text(heading) -> tuple[str, bool]:
        """Its kept strings on one line, dropped tags left out, and whether it holds an
        ``<h1>`` (itself, or one nested in it). Inline tags join their text as the page shows
        it (``H<sub>2</sub>O`` is H2O, ``Wi<span>Fi</span>`` WiFi: joined with spaces,
        ``title:H2O`` found nothing: breaker); a block tag or ``<br>`` inside parts words."""
        parts, holds_h1, inside = [], False, [heading]
        while inside:
            node = inside.pop()
            if isinstance(node, Tag):
                if node.name in blocks or node.name in _HEADINGS or node.name == "br":
                    parts.append(" ")
                if kept(node):
                    holds_h1 = holds_h1 or node.name == "h1"
                    inside.extend(reversed(node.contents))
            elif type(node) in kept_strings:
                parts.append(str(node))
        return " ".join("".join(parts).split()), holds_h1

    out: list[str] = []
    has_h1 = False
    stack: list = [soup]
    in_pre = 0  # <pre> blocks open: their line breaks are the page's (breaker: joined)
    while stack:
        node = stack.pop()
        if node is None:  # the end of a block
            out.append("\n\n")
        elif node is _PRE_END:
            out.append("\n\n")
            in_pre -= 1
        elif not isinstance(node, Tag):
            if type(node) in kept_strings:
                out.append(str(node).replace("\n", _BREAK) if in_pre else str(node))
        elif node.name in _HEADINGS and id(node) in demoted:
            out.append("\n\n")  # a site banner's heading: a plain line of its text
            stack.append(None)
            stack.extend(reversed(node.contents))
        elif node.name in _HEADINGS:
            text, holds_h1 = heading_text(node)
            has_h1 = has_h1 or holds_h1
            if text:  # marked by a NUL, which no decoded page holds: its text may start with #
                out.append(f"\n\n\0{'#' * _HEADINGS[node.name]} {text}\n\n")
        elif node.name == "br":
            out.append(_BREAK)
        elif not kept(node):
            if node.name in blocks:  # gone, it still parts the text around it, as shown
                out.append("\n\n")
        else:
            if node.name == "pre":
                out.append("\n\n")
                stack.append(_PRE_END)
                in_pre += 1
            elif node.name in blocks:
                out.append("\n\n")
                stack.append(None)
            stack.extend(reversed(node.contents))
    return "".join(out), has_h1


_PRE_END = object()
"""Marks the end of a ``<pre>`` block in :func:`_page_text`'s walk."""


_BREAK = "\u2028"
"""Stands for a ``<br>`` while a page's text is put together: a line break of the page, unlike
the line breaks of its source, which are white space (an address's 电话 line was joined to it,
a poem's lines to one another: breaker)."""


_STRAY_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[|if\b|endif\b)", re.I)


def html_to_text(html: str) -> str:
    """HTML → paragraphs and ``#`` headings; scripts, styles and the ``<head>`` are dropped
    (its ``<title>`` becomes the first heading when the page has no ``<h1>``). Time grows
    with the page's size, not with the square of a tag's children."""
    from bs4 import BeautifulSoup
    from bs4.exceptions import ParserRejectedMarkup

    try:
        soup = BeautifulSoup(html, "html.parser")
    except ParserRejectedMarkup:
        # Python's parser gives up on a stray "<![" in the text (a "a<![ x" refused the whole
        # page: breaker); read as text, it costs the page nothing
        soup = BeautifulSoup(_STRAY_MARKED_SECTION.sub("&lt;![", html), "html.parser")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    text, has_h1 = _page_text(soup)
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        if block.lstrip().startswith("\0"):  # a heading stays one line
            paragraphs.append(" ".join(block.replace("\0", "").split()))
        else:  # a <br> breaks the line; the source's own line breaks are white space
            paragraphs.append("\n".join(literal_line(_inline(part.split("\n")))
                                        for part in block.split(_BREAK)).strip("\n"))
    if title and not has_h1:
        paragraphs.insert(0, f"# {title}")
    return "\n\n".join(p for p in paragraphs if p)


def docx_to_text(data: bytes) -> str:
    """DOCX → paragraphs, in document order; paragraphs styled Title or Heading 1–6 (标题 1–6)
    become ``#`` lines.

    The body's XML is walked (python-docx opens the file and names the styles): a table's
    cells row by row, each cell's paragraphs and nested tables where they stand (a merged
    cell is one cell), content controls (``w:sdt``) opened, a text box's paragraphs after
    the paragraph it is anchored in (once, not again from its fallback copy), a footnote's
    or endnote's paragraphs after the paragraph that refers to it, a paragraph's
    text taken from every run, tracked insertions included, deletions and moved-away text
    left out; only the body's own paragraphs can be headings. python-docx's ``Paragraph.text`` and ``_Cell.text`` skip runs inside ``w:ins``,
    content controls and nested tables, and reading tables after the paragraphs put each
    into the last heading's section (breaker).

    Raises:
        DocumentError: python-docx is not installed, or the file is not a readable DOCX.
    """
    try:
        import docx
    except ImportError:
        raise DocumentError(english("docx_extra")) from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # every part but pictures and media, whatever its name: a main part renamed
            # word/document.bin was parsed all the same and went uncounted (breaker)
            unpacked = sum(i.file_size for i in archive.infolist()
                           if not i.filename.lower().endswith(_DOCX_MEDIA))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentError(english("bad_docx", error=type(exc).__name__)) from None
    if unpacked > MAX_DOCX_XML_BYTES:
        # a 290 KB file of 30 million empty paragraphs took 3.9 GB to parse (breaker)
        raise DocumentError(english("docx_too_large", size=f"{unpacked:,}",
                                    limit=f"{MAX_DOCX_XML_BYTES:,}"))
    try:
        document = docx.Document(io.BytesIO(data))
        styles = {style.style_id: style.name for style in document.styles}
        notes = _docx_notes(document)
    except Exception as exc:  # python-docx raises several unrelated types for a broken file
        raise DocumentError(english("bad_docx", error=type(exc).__name__)) from None
    out = []
    for para, nested in _docx_paragraphs(document.element.body, notes=notes):
        text = " ".join("".join(_docx_runs_text(para)).split())
        if not text:
            continue
        # a heading style inside a table or a text box heads nothing: taken as one, it started
        # a section that swallowed the rest of the table and the text after it (breaker)
        style = "" if nested or not para.style else styles.get(para.style) or ""
        m = re.match(r"(?:Heading|标题)\s*([1-6])$", style)
        level = int(m.group(1)) if m else (1 if style in ("Title", "标题") else 0)
        out.append(f"{'#' * level} {text}" if level else literal_line(text))
    return "\n\n".join(out)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
"""The WordprocessingML namespace, as lxml spells a tag in it."""
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
"""A copy of what comes before it for older readers (Word writes a text box twice, as
DrawingML and as a VML fallback): read once, from the first."""
_DOCX_HOLDERS = frozenset(_W + tag for tag in ("sdt", "sdtContent", "customXml"))
"""Elements around paragraphs, tables, rows or cells that hold them as the body does: content
controls and custom XML (a content control's properties hold none)."""
_DOCX_TABLE = frozenset(_W + tag for tag in ("tbl", "tr", "tc"))
_DOCX_CHARACTERS = {_W + "tab": " ", _W + "ptab": " ", _W + "br": " ", _W + "cr": " ",
                    _W + "noBreakHyphen": "-"}
"""Run elements that stand for a character (``COVID‑19``'s hyphen is one)."""
_DOCX_DELETED = frozenset((_W + "del", _W + "moveFrom"))
"""Tracked deletions and text moved away (``moveTo`` holds it)."""
_DOCX_NOT_TEXT = _DOCX_DELETED | frozenset((
    _W + "txbxContent",  # a text box: paragraphs of its own (_docx_paragraphs)
    _W + "rt",  # a phonetic guide's reading (拼音指南), as HTML's <rt>: 学习hàn汉字 was no 学习汉字
    _FALLBACK,
))


_NOTE_REFERENCES = (_W + "footnoteReference", _W + "endnoteReference")


def _docx_notes(document) -> dict:
    """``{(reference tag, note id): w:footnote or w:endnote}``: the notes of a DOCX's
    footnotes and endnotes parts, by the tag and ``w:id`` a paragraph's reference to each
    carries (the separators Word keeps there are never referred to)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml

    notes = {}
    for rel in document.part.rels.values():
        kind = {RT.FOOTNOTES: "footnote", RT.ENDNOTES: "endnote"}.get(rel.reltype)
        if kind is None or rel.is_external:
            continue
        part = rel.target_part
        try:
            root = part.element if hasattr(part, "element") else parse_xml(part.blob)
        except Exception:  # noqa: BLE001 -- lxml's XMLSyntaxError and kin
            # the notes cannot be read, the body can: a malformed footnotes part refused the
            # whole document (breaker)
            continue
        for note in root.iterchildren(_W + kind):
            notes[(_W + kind + "Reference", note.get(_W + "id"))] = note
    return notes


def _docx_paragraphs(container, nested: bool = False, notes: dict | None = None):
    """``(w:p, nested)`` for each paragraph of a body, table cell, content control, text box
    or note, in document order: tables row by row and cell by cell (nested ones where they
    stand), content controls and custom XML opened, a paragraph's text boxes right after it,
    then the notes of ``notes`` (see :func:`_docx_notes`) it refers to, each once (taken out
    of ``notes``); ``nested``: inside a table, a text box or a note."""
    for child in container.iterchildren():
        if child.tag == _W + "p":
            yield child, nested
            for box in _text_boxes(child):
                yield from _docx_paragraphs(box, True, notes)
            # a note's text is the document's too (python-docx reads none of it): after the
            # paragraph that cites it, so it is found in that paragraph's section
            for ref in child.iter(*_NOTE_REFERENCES) if notes else ():
                if any(a.tag in _DOCX_DELETED for a in ref.iterancestors()):
                    continue  # a deleted reference's note is deleted text (breaker)
                note = notes.pop((ref.tag, ref.get(_W + "id")), None)
                if note is not None:
                    yield from _docx_paragraphs(note, True, notes)
        elif child.tag in _DOCX_TABLE:
            yield from _docx_paragraphs(child, True, notes)
        elif child.tag in _DOCX_HOLDERS:
            yield from _docx_paragraphs(child, nested, notes)


def _text_boxes(element):
    """The text boxes (``w:txbxContent``) anchored in ``element``'s runs, each once (not
    again from its fallback copy), not those inside them."""
    for child in element.iterchildren():
        if child.tag == _W + "txbxContent":
            yield child
        elif child.tag != _FALLBACK:
            yield from _text_boxes(child)


def _docx_runs_text(element):
    """The pieces of a ``w:p``'s text (``element`` and below): its ``w:t`` texts in order, a
    tab or line break as a space, a non-breaking hyphen as ``-``; tracked deletions,
    moved-away text and text boxes (paragraphs of their own) left out."""
    for child in element.iterchildren():
        if child.tag == _W + "t":
            yield child.text or ""
        elif child.tag in _DOCX_CHARACTERS:
            yield _DOCX_CHARACTERS[child.tag]
        elif child.tag not in _DOCX_NOT_TEXT:
            yield from _docx_runs_text(child)


_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:第\s*)?(\d{1,4})(?:\s*页)?(?:\s*/\s*(?:共\s*)?\d{1,4}(?:\s*页)?)?[-–—\s]*$")
"""A line that is a page number (``12``, ``- 12 -``, ``第 3 页 / 共 10 页``): the number is
group 1."""


def _page_number_lines(pages: list[list[str]]) -> set[tuple[int, int]]:
    """``(page, line)`` of the page numbers: lines among a page's first or last two that are
    numbers (:data:`_PAGE_NUMBER`) counting with the pages, the number minus the page's place
    the same on at least two pages (one page: the number 1). A line of digits elsewhere, or
    one that does not count with the pages, is text: a table's figures and a year alone on a
    line were deleted wherever they stood (breaker)."""
    found = []
    for p, lines in enumerate(pages):
        for i in sorted({*range(min(2, len(lines))), *range(max(0, len(lines) - 2), len(lines))}):
            m = _PAGE_NUMBER.match(lines[i])
            if m:
                found.append((p, i, int(m.group(1)) - p))
    if len(pages) == 1:
        return {(p, i) for p, i, offset in found if offset == 1}
    offsets = Counter(offset for _, _, offset in found)
    if not offsets:
        return set()
    # on a tie, the numbers nearer the pages' own (years at the top of each page also count
    # up: 2021, 2022, 2023 took the place of the page numbers 5, 6, 7: breaker)
    offset, n = max(offsets.items(), key=lambda item: (item[1], -abs(item[0])))
    return {(p, i) for p, i, o in found if o == offset} if n >= 2 else set()


_PAGE_COUNTER = re.compile(r"(?<!\S)(\d+)\s*[/／]\s*(\d+)$")


def _edge_key(line: str, pages: int) -> str:
    """A line with a number at either end masked, and a page counter ``n/pages`` at its end:
    "公安研究 3" and "公安研究 4" are one header, and so are the footers Chromium prints by
    default, ``file:///…/report.html 1/3`` and ``… 2/3`` (new-user trial). Only a counter of
    the PDF's own page count: dates ``2024/05/06`` at page tops are text (breaker)."""
    counter = _PAGE_COUNTER.search(line)
    if counter and int(counter.group(2)) == pages and 1 <= int(counter.group(1)) <= pages:
        line = line[:counter.start()] + "#"
    return re.sub(r"^\d+|\d+$", "#", line)


_PDF_GLYPHS = {**RADICAL_IDEOGRAPHS, **{cp: unicodedata.normalize("NFKC", chr(cp))
                                        for cp in range(0xFB00, 0xFB07)}}
"""What a PDF's text holds for a glyph rather than a character: radicals and look-alikes for
ideographs (:data:`indexer.repair.RADICAL_IDEOGRAPHS`) and Latin ligatures (``ﬁ`` → ``fi``),
written as the characters before lines are judged (a heading's ``第⼆部分``) or joined."""


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of lines that stand among the first or last two lines of at least half the pages
    (and of three pages at least): running headers and footers. A line that is only a number
    is no running line (its key would be ``#`` on every page): a page number is told by
    :func:`_page_number_lines`, and figures at a page's edge are text (breaker)."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_edge_key(ln, len(pages)) for ln in lines[:2] + lines[-2:]})
    return {key for key, n in counts.items() if n >= max(3, len(pages) / 2) and key != "#"}


_SPACED_INDEX = re.compile(r"(?<=\w) +(?=[\u2070-\u209f\u00b2\u00b3\u00b9])")
"""The space pypdf puts before a subscript or superscript (``NO ₂``, ``m ²``), lower on the
line than its letters: ``NO₂`` and ``NO2`` found nothing (new-user trial)."""


def pdf_to_text(data: bytes) -> str:
    """PDF → text: each page's lines with running headers, footers and page numbers removed,
    wrapped lines joined into paragraphs, pages separated by blank lines (the page-break repair
    then joins paragraphs cut by a page end).

    Raises:
        DocumentError: pypdf is not installed, or the file cannot be read (broken, encrypted).
    """
    try:
        from pypdf import PdfReader
    except ImportError:
        raise DocumentError(english("pdf_extra")) from None
    # pypdf's warnings about damage it works around or fails on reach stderr through Python's
    # last-resort handler, a bare "EOF marker not found" beside the indexer's own report of
    # the file (breaker): the report is the indexer's to make
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(english("encrypted"))
        # pypdf can leave NULs from a UTF-16 ToUnicode map in the text (seen with fpdf2's CID
        # fonts); a NUL is never content
        pages = [[_SPACED_INDEX.sub("", ln.strip())
                  for ln in (page.extract_text() or "").replace("\x00", "")
                  .translate(_PDF_GLYPHS).split("\n") if ln.strip()] for page in reader.pages]
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise DocumentError(english("bad_pdf", error=type(exc).__name__)) from None
    if pages and not any(pages):
        # pages without a character of text are images: a scan, which was listed among the
        # empty files with no word of why (new-user trial)
        raise DocumentError(english("scanned_pdf", pages=len(pages)))
    running = _running_lines(pages)
    numbers = _page_number_lines(pages)
    out = []
    for p, lines in enumerate(pages):
        edges = set(lines[:2] + lines[-2:])
        kept = [ln for i, ln in enumerate(lines)
                if not (ln in edges and _edge_key(ln, len(pages)) in running)
                and (p, i) not in numbers]
        if kept:
            out.append("\n\n".join(join_lines("\n".join(kept), dehyphenate=True).split("\n")))
    return "\n\n".join(out)


def extract(source: SourceFile) -> Extracted:
    """Read one file into :class:`Extracted` text according to its suffix.

    Raises:
        DocumentError: the file cannot be decoded or parsed, its format needs an extra that is
            not installed, or its suffix is not one of ``sources.SOURCE_SUFFIXES``.
    """
    suffix = "." + source.rel_path.rsplit(".", 1)[-1].lower() if "." in source.rel_path else ""
    if suffix in TEXT_SUFFIXES or suffix in MARKDOWN_SUFFIXES:
        decoded = decode(source)
        return Extracted(decoded.text, decoded.encoding, suffix in MARKDOWN_SUFFIXES, True)
    if suffix in HTML_SUFFIXES:
        html, encoding = _decode_html(source)
        return Extracted(html_to_text(html), encoding, True, False)
    # an empty .docx or .pdf is an empty file, as an empty .txt is (it was "damaged, cut
    # short, or not a .docx": breaker)
    if suffix == ".docx":
        return Extracted(docx_to_text(source.data) if source.data else "", "docx", True, False)
    if suffix == ".pdf":
        return Extracted(pdf_to_text(source.data) if source.data else "", "pdf", False, True)
    raise DocumentError(english("file_type", suffix=suffix or "(none)"))
