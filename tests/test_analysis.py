"""Normalization and the tokenizers' Token contract."""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import struct
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from indexer.analysis import CharTokenizer, WordTokenizer, word_spans
from indexer.normalize import normalize, normalized
from indexer.schema import make_schema

from .child import run_python

SAMPLES = ["2022 年 1 月召开", "ＩＴ行业的iPhone用户", "中国人民武装警察部队", "C++ 11 和 Ｗｉｆｉ",
           "“7·1”等重要节点", "e\u0301te\u0301 ﬁle ①", "零\u200b宽", "  前后空白  "]


def tokens(tokenizer, text):
    return [t.copy() for t in tokenizer(text, positions=True, chars=True)]


def test_normalization_rules():
    assert normalized("2022 年 1 月") == "2022年1月"
    assert normalized("２０２２年") == "2022年"
    assert normalized("Ｗｉｆｉ") == normalized("WIFI") == "wifi"
    assert normalized("C++  11") == "c++ 11"
    assert normalized("110报警？") == "110报警?"
    assert normalized("零\u200b宽") == "零宽"
    assert normalized(" \n前后\n ") == "前后"
    assert normalized("ｶﾞｲﾄﾞ") == normalized("ガイド") == "ガイド"
    assert normalized("國際論壇") == normalized("国际论坛") == "国际论坛"
    assert normalized("兩個確立") == "两个确立" and normalized("楓橋經驗") == "枫桥经验"
    assert normalized("“引号”") == normalized('"引号"') and normalized("7•1") == normalized("7·1")
    assert normalized("（括号），") == normalized("(括号),")
    # a mark composes with its letter across what vanishes (a soft hyphen, a zero-width space)
    assert normalized("cafe\u00ad\u0301") == normalized("café") == normalized("cafe\u0301")
    assert normalized("e\u200b\u200b\u0301") == "é" and normalized("a\u00adb") == "ab"


def test_space_by_punctuation_variation_selectors_and_radical_lookalikes_do_not_count():
    """Found by a breaker: a space beside full-width punctuation counted, since NFKC had made
    it narrow (``（ 2021 年修订）`` was not found by ``（2021年修订）``); a variation selector
    (category Mn, not Cf) stayed, so ``葛城`` missed ``葛`` + U+E0100 ``城``; and PDF fonts' radical
    look-alikes outside the Kangxi block (``部⻔⻢上``) were no characters anyone types."""
    from indexer.repair import unify_radicals

    text = "本条例（ 2021 年修订）施行。时间： 2022年；金额， 500 万元。GDP 增长 5.5 ％ ，位居第一。"
    for typed in ("（2021年修订）", "(2021年修订)", "时间：2022年", "金额，500万元", "5.5％，",
                  "5.5 % ,", "（ 2021年修订 ）"):
        assert normalized(typed) in normalized(text), typed
    assert normalized("C++  11") == "c++ 11" and normalized("$ 100") == "$ 100"  # symbols
    assert normalized("hello , world") == normalized("hello, world") == "hello,world"
    assert normalized("葛\U000E0100城") == "葛城" and normalized("邊\U000E0103境") == "边境"
    assert normalized("禰\ufe00豆") == normalized("禰豆") and normalized("❤\ufe0f") == "❤"
    assert normalized("部⻔⻢上⻓期，⻑城，㬵水") == "部门马上长期,长城,胶水"
    assert unify_radicals("部⻔⻢上⻓期⻑城㬵水") == "部门马上长期長城胶水"
    # a PDF's horizontal bar and wave dash for the dash and tilde typed (new-user trial)
    assert normalized("2024―2026年，Ⅰ〜Ⅲ类") == normalized("2024—2026年，Ⅰ～Ⅲ类")
    # canonically equivalent characters are one: Greek oxia is the acute accent, which stays
    # as written, as a symbol NFKC spells out in two characters (breaker)
    assert normalized("\u1ffd") == normalized("\u00b4") == "\u00b4"
    # Hangul compatibility jamo are letters of their own, half-width ones the same letters: they
    # compose with nothing (NFKC made 정보ㄳ 정볷, not found by 정보, and ㄱㅏ became 가 only
    # when normalized twice: breakers)
    for text, letters in (("ㄱㅏ", "ㄱㅏ"), ("ﾡￂ", "ㄱㅏ"), ("ㄱ ㅏ", "ㄱㅏ"), ("정보ㄳ", "정보ㄳ"),
                          ("좋아요ㅠㅠ", "좋아요ㅠㅠ")):
        assert normalized(text) == letters == normalized(letters)
    assert normalize("요ㅠㅠ").span(1, 2) == (1, 2)  # a match of ㅠ marks ㅠ alone


def test_a_long_run_of_vanishing_characters_is_looked_through_once(monkeypatch):
    """Whether a mark follows a run of vanishing characters is worked out once per run, not
    from each of its characters: counted in character lookups (a document of 40,000 zero-width
    spaces once took time quadratic in the run)."""
    from indexer import normalize as module

    calls = 0
    real = module._entry

    def counted(ch):
        nonlocal calls
        calls += 1
        return real(ch)

    monkeypatch.setattr(module, "_entry", counted)
    for run in ("\u200b" * 3000, "\u00ad\u200b" * 1500):
        calls = 0
        assert module.normalize("a" + run + "b").text == "ab"
        assert module.normalize("a" + run + "\u0301b").text == "áb"
        assert calls < 20 * len(run), calls


@settings(max_examples=1500, deadline=None)
@given(st.text(st.sampled_from("ae\u0301\u0302\u00ad\u200b\u200d\ufeff\u2060ｶﾞ\uff9e國A"),
               max_size=12))
def test_normalization_is_idempotent_around_vanishing_characters(text):
    """Normalizing the output again changes nothing, also where characters that vanish stand
    between a letter and its marks; and each output character maps into the original."""
    norm = normalize(text)
    assert normalized(norm.text) == norm.text
    assert all(0 <= a < b <= len(text) for a, b in zip(norm.starts, norm.ends))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60) | st.sampled_from(SAMPLES))
def test_normalize_maps_back_to_the_original(text):
    norm = normalize(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    assert list(norm.starts) == sorted(norm.starts)
    assert normalized(norm.text) == norm.text  # idempotent


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(SAMPLES))
def test_token_contract(text):
    for tokenizer in (WordTokenizer(), CharTokenizer()):
        toks = tokens(tokenizer, text)
        assert [t.pos for t in toks] == list(range(len(toks)))
        for t in toks:
            if t.text == " ":  # a run of white space (or a compatibility form holding one)
                piece = text[t.startchar:t.endchar]
                assert " " in normalized("a" + piece + "a")
                continue
            sliced = normalized(text[t.startchar:t.endchar])
            if sliced != t.text:
                # one original unit that yields several normalized characters (an NFKC expansion
                # "¼" → "1⁄4", a letter with combining marks) was split between tokens: each
                # token is part of it and maps back to the whole unit
                assert t.text in sliced and len(sliced) > len(t.text)


def test_char_tokens_spell_the_normalized_text():
    for text in SAMPLES:
        assert "".join(t.text for t in tokens(CharTokenizer(), text)) == normalized(text)


def test_word_spans_keep_digits_latin_and_single_characters():
    text = normalized("IT行业5G网络iPhone的用户")
    words = [text[a:b] for a, b in word_spans(text)]
    assert "it" in words and "5g" in words and "iphone" in words and "的" in words
    assert "".join(words) == text


def test_start_pos_and_start_char_are_honoured():
    toks = [t.copy() for t in CharTokenizer()("公安", positions=True, chars=True, start_pos=10,
                                              start_char=100)]
    assert [(t.pos, t.startchar, t.endchar) for t in toks] == [(10, 100, 101), (11, 101, 102)]


def test_schema_pickles_with_its_analyzers():
    schema = make_schema()
    again = pickle.loads(pickle.dumps(schema))
    assert again["chars"].analyzer == schema["chars"].analyzer
    text = "武警部队依法执勤"
    words = [t.text for t in again["body"].analyzer(text)]
    assert words == [t.text for t in WordTokenizer()(text)] and len(words) > 1
    assert "".join(words) == text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Zs", "Zl", "Zp", "Cc", "Cf")),
               max_size=30)
       | st.sampled_from(["ｶﾞｲﾄﾞ", "\u1100\u1161\u11a8", "e\u0301", "ﬁ①㎏", "ＩＴ"]))
def test_normalize_is_the_compatibility_fold_and_casefold_of_the_whole_string(text):
    # clusters must never split what NFKC composes: per-cluster folding equals whole-string
    import unicodedata

    from indexer.normalize import _dropped, _fold_table, compatibility_fold

    whole = compatibility_fold(compatibility_fold(text).casefold())
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") or _dropped(c) for c in whole):
        return  # white space and invisible characters follow the documented extra rules
    assert normalized(text) == "".join(_fold_table().get(c, c) for c in whole)


def reference_normalize(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """The normalization rules written the slow, obvious way (one cluster at a time), against
    which the fast :func:`normalize` (bulk ``str.translate`` runs) is checked."""
    import unicodedata

    from indexer.normalize import _dropped, _fold, _joins_previous, absorbs_space

    def vanishes(ch: str) -> bool:
        return all(_dropped(c) for c in _fold(ch))

    def in_cluster(i: int) -> bool:  # a mark, or what vanishes before one
        j = i
        while j < len(text) and vanishes(text[j]) and not _joins_previous(text[j]):
            j += 1
        return j < len(text) and _joins_previous(text[j])

    chars, starts, ends = [], [], []
    start = 0
    for i in range(1, len(text) + 1):
        if i < len(text) and in_cluster(i):
            continue
        cluster = text[start:i] if i - start == 1 else \
            "".join(c for c in text[start:i] if not vanishes(c) or _joins_previous(c))
        # a variation selector after the cluster is part of it (the glyph choice of its
        # character): the cluster's slice of the original ends after the selectors
        end = i
        while end < len(text) and unicodedata.name(text[end], "").startswith(
                ("VARIATION SELECTOR", "MONGOLIAN FREE VARIATION SELECTOR")):
            end += 1
        for ch in _fold(cluster):
            if not _dropped(ch):
                chars.append(ch), starts.append(start), ends.append(end)
        start = i
    out = ([], [], [])
    k = 0
    while k < len(chars):
        if not chars[k].isspace():
            for lst, v in zip(out, (chars[k], starts[k], ends[k])):
                lst.append(v)
            k += 1
            continue
        j = k
        while j < len(chars) and chars[j].isspace():
            j += 1
        if out[0] and j < len(chars) and not absorbs_space(out[0][-1]) \
                and not absorbs_space(chars[j]):
            for lst, v in zip(out, (" ", starts[k], ends[j - 1])):
                lst.append(v)
        k = j
    return "".join(out[0]), tuple(out[1]), tuple(out[2])


MIXED = st.sampled_from(list("两个确立國際論壇 \n\t\u3000\u200b\u00adＡａ１，“”•é\u0301\u0300ｶﾞ\u1100\u1161\u11a8ß"
                             "İ\ufeff\x00\x07\ufe0f\U000e0100\u180b0"))


@settings(max_examples=600)
@given(st.text(max_size=80) | st.lists(MIXED, max_size=40).map("".join))
def test_fast_normalize_equals_the_reference(text):
    got = normalize(text)
    assert (got.text, got.starts, got.ends) == reference_normalize(text)


PLAIN = st.sampled_from(list("两个确立國際論壇法的 \n\t\r\u3000\u00a0Ａａ１，,.C+“”•É1a"))
"""Only characters that fold to one character and white space: the vectorized path's text."""


@settings(max_examples=600)
@given(st.lists(PLAIN, max_size=60).map("".join))
def test_vectorized_normalize_equals_the_reference(text):
    from indexer.normalize import _normalize_vectorized

    got = _normalize_vectorized(text)
    assert got is not None  # the case under test must take the vectorized path
    assert (got.text, got.starts, got.ends) == reference_normalize(text)


@settings(max_examples=600)
@given(st.lists(PLAIN, min_size=1, max_size=64).map("".join))
def test_short_normalize_equals_the_reference(text):
    """Short texts with white space (titles, queries of several words) take a loop of their
    own instead of the vectorized path."""
    from indexer.normalize import _normalize_short, _one_to_one

    got = _normalize_short(text, text.translate(_one_to_one))
    assert got is not None  # the case under test must take the short path
    assert (got.text, got.starts, got.ends) == reference_normalize(text)


def test_short_normalize_leaves_other_characters_to_the_general_path():
    from indexer.normalize import _normalize_short, _one_to_one

    for text in ("e\u0301 x", "ß y", "a\u200bb c", "ｶﾞ z"):
        assert _normalize_short(text, text.translate(_one_to_one)) is None, text
        got = normalize(text)
        assert (got.text, got.starts, got.ends) == reference_normalize(text)


@settings(max_examples=600)
@given(st.text(max_size=80) | st.lists(MIXED, max_size=40).map("".join)
       | st.lists(PLAIN, max_size=60).map("".join))
def test_packed_offset_maps_give_back_the_normalization(text):
    """The ``norm_offsets`` column plus the normalized text stand in for ``normalize``."""
    from indexer.normalize import pack_offsets, unpack_offsets

    norm = normalize(text)
    got = unpack_offsets(norm.text, pack_offsets(norm))
    assert (got.text, got.starts, got.ends) == reference_normalize(text)


def test_packed_offset_maps_refuse_what_does_not_fit():
    import pytest

    from indexer.normalize import pack_offsets, unpack_offsets

    packed = pack_offsets(normalize("两个 确立\n\n  C++  11 "))
    assert len(packed) < 8 * len(normalized("两个 确立\n\n  C++  11 "))
    for text, data in (("两个", packed), ("x", b""), ("x", b"\x05\x00\x00\x00")):
        with pytest.raises(ValueError):
            unpack_offsets(text, data)


def test_fast_normalize_equals_the_reference_on_the_seed(seeds_dir):
    for path in seeds_dir.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        got = normalize(text)
        assert (got.text, got.starts, got.ends) == reference_normalize(text)


@settings(max_examples=300)
@given(st.text(max_size=80) | st.lists(MIXED, max_size=40).map("".join))
def test_ngram_fields_index_as_their_analyzers(text):
    """The fast ``NgramField.index`` yields what Whoosh's ``TEXT.index`` yields through the
    character / bigram analyzer: same terms, frequencies, weights and encoded positions."""
    from whoosh.fields import TEXT

    from indexer.analysis import BigramTokenizer, CharTokenizer
    from indexer.schema import NgramField

    for n, phrase in ((1, False), (1, True), (2, True), (2, False)):
        reference = TEXT(analyzer=CharTokenizer() if n == 1 else BigramTokenizer(), phrase=phrase)
        assert sorted(NgramField(n, phrase).index(text)) == sorted(reference.index(text))


@settings(max_examples=300, deadline=None)  # the first example loads jieba's dictionary
@given(st.text(max_size=80) | st.lists(MIXED, max_size=40).map("".join))
@example("要确立两个目标，确立两个")  # cut otherwise with the user word than without
def test_word_fields_index_as_their_analyzer(text):
    """The fast ``WordField.index`` yields what Whoosh's ``TEXT.index`` yields through the
    word analyzer, with and without a user dictionary: same terms, frequencies, weights
    (and their type: a block's largest weight is pickled as given) and encoded values."""
    from whoosh.fields import TEXT

    from indexer.analysis import word_analyzer
    from indexer.schema import WordField

    for user_words in ((), ("确立两个",)):
        reference = TEXT(analyzer=word_analyzer(user_words), phrase=False)
        got = list(WordField(user_words).index(text))
        want = list(reference.index(text))
        assert sorted(got) == sorted(want)
        assert [type(w) for _, _, w, _ in got] == [type(w) for _, _, w, _ in want]


def test_remembered_cuts_equal_fresh_jieba_cuts(monkeypatch):
    """word_spans remembers the cut of each short Han run; a remembered cut is the cut jieba
    makes afresh, for runs short and long, and once the memory is full."""
    from indexer import analysis

    texts = ["中华人民共和国公安部发布通知", "中华人民共和国公安部发布通知",
             "依照本法第二十六条的规定" * 3, "研究生命起源，研究生命起源"]

    def fresh(text):
        spans, pos = [], 0
        for run in __import__("re").finditer(analysis._HAN_RUN, text):
            pos = run.start()
            for w in analysis._jieba(()).cut(run.group(), HMM=False):
                spans.append((pos, pos + len(w)))
                pos += len(w)
        return spans

    analysis._cut_cache.clear()
    for text in texts * 2:
        assert analysis.word_spans(text) == fresh(text)
    assert analysis._cut_cache[()]  # something was remembered
    monkeypatch.setattr(analysis, "MAX_CACHED_RUNS", 0)
    analysis._cut_cache.clear()
    for text in texts:
        assert analysis.word_spans(text) == fresh(text)
    assert not analysis._cut_cache[()]


def test_the_cached_dictionary_equals_jiebas_own_load(tmp_path, monkeypatch):
    """The prefix dictionary the analyzer's tokenizers get, built on first use and read from our
    cache after, is the one jieba's own ``initialize`` loads (every entry, the total), and
    jieba's slow loader is never used."""
    import jieba

    from indexer import analysis

    own = jieba.Tokenizer()
    own.initialize()
    built = jieba.Tokenizer()
    built.tmp_dir = str(tmp_path)
    analysis._load_default_dictionary(built)
    assert built.initialized and built.total == own.total and built.FREQ == own.FREQ
    assert [p.name for p in tmp_path.iterdir()] == [analysis.DICTIONARY_CACHE]  # no temporary

    monkeypatch.setattr(jieba.Tokenizer, "gen_pfdict",
                        staticmethod(lambda f: pytest.fail("the cache was not used")))
    cached = jieba.Tokenizer()
    cached.tmp_dir = str(tmp_path)
    analysis._load_default_dictionary(cached)
    assert isinstance(cached.FREQ, analysis.PrefixDictionary)  # read lean, no dict built
    assert cached.total == own.total and cached.FREQ == own.FREQ
    assert cached.lcut("中华人民共和国刑法第二十六条") == own.lcut("中华人民共和国刑法第二十六条")

    monkeypatch.setattr(analysis, "_jieba_tokenizers", {})
    monkeypatch.setattr(analysis, "_cache_dir", [str(tmp_path)])
    monkeypatch.setattr(jieba.Tokenizer, "initialize",
                        lambda self, *a: pytest.fail("jieba's own slow load was used"))
    loaded = analysis._jieba(("两个确立 10",))
    assert loaded.FREQ["两个确立"] == 10 and loaded.FREQ["刑法"] == own.FREQ["刑法"]


@pytest.fixture(scope="module")
def jieba_own():
    """jieba's own tokenizer, its dictionary loaded by jieba (a dict)."""
    import jieba

    own = jieba.Tokenizer()
    own.initialize()
    return own


@pytest.fixture(scope="module")
def lean_freq(jieba_own, tmp_path_factory):
    """jieba's prefix dictionary as our cache gives it: a PrefixDictionary."""
    from indexer import analysis

    folder = tmp_path_factory.mktemp("cache")
    key = analysis._dictionary_cache_key()
    analysis._write_dictionary_cache(str(folder / "c"), key, (jieba_own.FREQ, jieba_own.total))
    freq, total = analysis._read_dictionary_cache(str(folder / "c"), key)
    assert isinstance(freq, analysis.PrefixDictionary) and total == jieba_own.total
    return freq


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=4),
                 st.text(max_size=6), st.integers(0, 498_000)))
@example("")
@example(0)
def test_the_prefix_dictionary_looks_up_as_a_dict_does(jieba_own, lean_freq, probe):
    """Words, prefixes, strings in no dictionary, the empty string and non-strings are found
    (or not) with the same counts as in jieba's own dict; an integer probe stands for the
    dictionary's entry at that rank and its neighbours."""
    if isinstance(probe, int):
        words = lean_freq.words
        probes = [words[min(probe, len(words) - 1)], words[min(probe, len(words) - 1)] + "的",
                  words[min(probe, len(words) - 1)][:-1], probe]
    else:
        probes = [probe]
    own = jieba_own.FREQ
    for p in probes:
        assert (p in lean_freq) == (p in own)
        assert lean_freq.get(p) == own.get(p) and lean_freq.get(p, -7) == own.get(p, -7)
        if p in own:
            assert lean_freq[p] == own[p]
        else:
            with pytest.raises(KeyError):
                lean_freq[p]


def test_the_prefix_dictionary_becomes_a_dict_when_it_has_cut_much_text(tmp_path, monkeypatch,
                                                                         jieba_own, seeds_dir):
    """A tokenizer read from the cache cuts queries with its PrefixDictionary as jieba's own
    dict cuts them, a user dictionary's words included; once it has cut LEAN_CUT_CHARS
    characters (indexing documents; the limit lowered to fit the seeds) it holds a dict of the
    same entries; cuts stay the same."""
    import jieba

    from indexer import analysis

    from .oracle import load_sections

    texts = [normalized(s.text) for s in load_sections(seeds_dir)]
    queries = [t[:12] for t in texts[:40]] + ["喜迎二十大 两个确立", "ＩＴ行业的iPhone用户"]
    body = "".join(texts)
    # the seeds hold 9,000 characters: the limit as low as the queries leave room for
    monkeypatch.setattr(analysis, "LEAN_CUT_CHARS", len(body) // 2)
    assert sum(map(len, queries)) < analysis.LEAN_CUT_CHARS
    monkeypatch.setattr(analysis, "_cache_dir", [str(tmp_path)])
    user = ("两个确立 10", "喜迎二十大")
    for words in [(), user]:
        own = jieba.Tokenizer()
        own.FREQ, own.total, own.initialized = dict(jieba_own.FREQ), jieba_own.total, True
        for entry in words:
            parts = entry.split()
            own.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None)

        def spans(tokenizer, of):  # word_spans with this tokenizer, nothing remembered
            monkeypatch.setattr(analysis, "_jieba_tokenizers", {words: tokenizer})
            monkeypatch.setattr(analysis, "_cut_cache", {})
            return [word_spans(t, words) for t in of]

        expected = spans(own, [*queries, body])
        monkeypatch.setattr(analysis, "_jieba_tokenizers", {})
        analysis._jieba(words)  # builds the cache on the first round, reads it on the second
        monkeypatch.setattr(analysis, "_jieba_tokenizers", {})
        tok = analysis._jieba(words)
        assert isinstance(tok.FREQ, analysis.PrefixDictionary)
        assert tok.FREQ == own.FREQ and tok.total == own.total
        assert spans(tok, queries) == expected[:-1]
        assert isinstance(tok.FREQ, analysis.PrefixDictionary)  # queries never make a dict
        assert spans(tok, [body]) == expected[-1:]
        assert type(tok.FREQ) is dict and tok.FREQ == own.FREQ
        assert tok.FREQ.get("喜迎二十", -1) == (0 if words else -1)  # a user word's prefix


def _cache_file(key: bytes, freq: dict, total: int, n: int | None = None,
                words: bytes | None = None) -> bytes:
    """A cache file in our format with a valid checksum, saying whatever it is told to."""
    import array

    from indexer import analysis

    rest = (struct.pack("<qq", total, len(freq) if n is None else n)
            + array.array("q", freq.values()).tobytes()
            + ("\n".join(freq).encode() if words is None else words))
    return analysis._CACHE_MAGIC + hashlib.sha256(key + rest).digest() + rest


BAD_CACHES = {
    "jieba's own format": lambda key: marshal.dumps(({"法": 1}, 1)),
    "empty": lambda key: b"",
    "truncated": lambda key: _cache_file(key, {"法律": 1}, 1)[:-3],
    "a byte changed": lambda key: _cache_file(key, {"法律": 1}, 1).replace("律".encode(), "津".encode()),
    "built for another jieba": lambda key: _cache_file(key + b"x", {"法律": 1}, 1),
    # made on purpose, with a valid checksum: whoever can write the folder can make one
    "a negative count": lambda key: _cache_file(key, {"法": -1, "律": 2}, 1),
    "a total of 0": lambda key: _cache_file(key, {"法": 0}, 0),
    "fewer words than counts": lambda key: _cache_file(key, {"法": 1, "律": 2}, 3, words="法".encode()),
    "more counts declared than the file holds": lambda key: _cache_file(key, {"法": 1}, 1, n=1 << 40),
    "no entries": lambda key: _cache_file(key, {}, 1),
    "one entry declared, none there": lambda key: _cache_file(key, {}, 1, n=1, words=b""),
    "words not UTF-8": lambda key: _cache_file(key, {"法": 1}, 1, words=b"\xff"),
    # what marshal would have unpacked into a 4 GB tuple
    "a tuple bomb": lambda key: _cache_file(key, {}, 1, words=b"(" + struct.pack("<i", 1 << 29)),
}


@pytest.mark.parametrize("case", list(BAD_CACHES))
def test_a_damaged_foreign_stale_or_false_cache_is_rebuilt(tmp_path, monkeypatch, case):
    """A cache that fails its checksum (damaged, jieba's own format, built from another
    dictionary or jieba) or says something impossible (made on purpose, with a valid checksum:
    a negative count or a zero total would make every cut fail) is not used: the dictionary is
    built with jieba's ``gen_pfdict`` and the cache written anew. No file sizes an allocation."""
    import tracemalloc

    import jieba

    from indexer import analysis

    key = analysis._dictionary_cache_key()
    cache = tmp_path / analysis.DICTIONARY_CACHE
    cache.write_bytes(BAD_CACHES[case](key))
    fresh = ({"法": 3, "法律": 2, "律": 0}, 5)
    monkeypatch.setattr(jieba.Tokenizer, "gen_pfdict", staticmethod(lambda f: (f.close(), fresh)[1]))
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(tmp_path)
    tracemalloc.start()
    try:
        analysis._load_default_dictionary(tok)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (tok.FREQ, tok.total) == fresh and tok.initialized
    assert peak < 4 * 1024 ** 2
    assert analysis._read_dictionary_cache(str(cache), key) == fresh  # written back
    assert [p.name for p in tmp_path.iterdir()] == [analysis.DICTIONARY_CACHE]


def test_the_cache_is_written_without_leaving_temporary_files(tmp_path, monkeypatch):
    """A dictionary whose words hold a line break is not cached (one word per line). A write
    that fails (the path is a folder) or is interrupted (Ctrl-C) removes its temporary
    file; one a killed writer left over an hour ago is removed by the next write, a fresh one
    (another writer's, still writing) is not."""
    from indexer import analysis

    value, key = ({"法": 1}, 1), b"k"
    analysis._write_dictionary_cache(str(tmp_path / analysis.DICTIONARY_CACHE), key,
                                     ({"法\n律": 1}, 1))  # one word per line: not cacheable
    assert list(tmp_path.iterdir()) == []
    (tmp_path / analysis.DICTIONARY_CACHE).mkdir()
    analysis._write_dictionary_cache(str(tmp_path / analysis.DICTIONARY_CACHE), key, value)
    assert sorted(p.name for p in tmp_path.iterdir()) == [analysis.DICTIONARY_CACHE]

    other = tmp_path / "other"
    other.mkdir()
    path = other / analysis.DICTIONARY_CACHE
    stale, fresh = (other / f"{analysis.DICTIONARY_CACHE}.{n}.tmp" for n in ("old", "new"))
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    hour_ago = time.time() - analysis.STALE_TEMPORARY_S - 1
    os.utime(stale, (hour_ago, hour_ago))

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(analysis.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        analysis._write_dictionary_cache(str(path), key, value)
    assert sorted(p.name for p in other.iterdir()) == [fresh.name]
    monkeypatch.undo()
    analysis._write_dictionary_cache(str(path), key, value)
    assert analysis._read_dictionary_cache(str(path), key) == value
    assert sorted(p.name for p in other.iterdir()) == [analysis.DICTIONARY_CACHE, fresh.name]


def test_with_no_usable_temporary_folder_the_dictionary_is_built_and_not_cached(monkeypatch):
    """Without an index folder and without a temporary folder the dictionary is still loaded."""
    import tempfile

    import jieba

    from indexer import analysis

    own = jieba.Tokenizer()
    own.initialize()

    def no_temporary_folder():
        raise FileNotFoundError("No usable temporary directory found")

    monkeypatch.setattr(tempfile, "gettempdir", no_temporary_folder)
    monkeypatch.setattr(analysis, "_write_dictionary_cache",
                        lambda *a: pytest.fail("written nowhere"))
    tok = jieba.Tokenizer()
    analysis._load_default_dictionary(tok)
    assert tok.total == own.total and tok.lcut("中华人民共和国刑法") == own.lcut("中华人民共和国刑法")


def test_a_cache_that_is_no_regular_file_is_passed_over_without_reading_it(tmp_path):
    """A FIFO (with or without a writer), a device, a folder or a file larger than any dictionary at the cache's path is
    passed over at once: nothing read, the dictionary built, and the cache written where it
    can be (over the FIFO and the device link; not over the folder, and no temporary file is
    left). Run in a child process, because a FIFO opened for reading the usual way waits
    forever for a writer."""
    from indexer import analysis

    kinds = ("fifo", "held", "device", "folder", "sparse")
    for kind in kinds:
        (tmp_path / kind).mkdir()
    path = {kind: tmp_path / kind / analysis.DICTIONARY_CACHE for kind in kinds}
    os.mkfifo(path["fifo"])
    os.mkfifo(path["held"])  # the child holds it open for writing, and writes nothing
    path["device"].symlink_to("/dev/zero")
    path["folder"].mkdir()
    with open(path["sparse"], "wb") as f:  # 4 GB of holes: no disk used
        f.truncate(4 * 1024 ** 3)
    child = (
        "import os, sys, tracemalloc, jieba\n"
        "from indexer import analysis\n"
        "jieba.Tokenizer.gen_pfdict = staticmethod(lambda f: (f.close(), ({'法': 1}, 1))[1])\n"
        "key = analysis._dictionary_cache_key()\n"
        "tracemalloc.start()\n"
        "for folder in sys.argv[1:]:\n"
        "    path = os.path.join(folder, analysis.DICTIONARY_CACHE)\n"
        "    writer = os.open(path, os.O_RDWR) if folder.endswith('held') else None\n"
        "    unread = analysis._read_dictionary_cache(path, key) is None\n"
        "    tok = jieba.Tokenizer()\n"
        "    tok.tmp_dir = folder\n"
        "    analysis._load_default_dictionary(tok)\n"
        "    print(unread, tok.FREQ, analysis._read_dictionary_cache(path, key) is not None,\n"
        "          sorted(os.listdir(folder)))\n"
        "print(tracemalloc.get_traced_memory()[1] // 1024 ** 2)\n"
    )
    out = run_python(child, *(str(tmp_path / k) for k in kinds), timeout=60)
    *answers, peak_mb = out.split("\n")[:-1]  # peak of Python's allocations
    name = analysis.DICTIONARY_CACHE
    assert answers == [f"True {{'法': 1}} True ['{name}']"] * 3 + [
        f"True {{'法': 1}} False ['{name}']", f"True {{'法': 1}} True ['{name}']"]
    assert int(peak_mb) < 16  # the 4 GB file was not read, nor a cap's worth of /dev/zero


FAKE_PKG_RESOURCES = """
import os
imported = True
def resource_stream(package, name):  # what jieba._compat calls; a real one returns a file
    import importlib
    folder = os.path.dirname(importlib.import_module(package).__file__)
    return open(os.path.join(folder, name), "rb")
"""
"""A ``pkg_resources`` found first on the path, whatever setuptools is installed (newer ones
have none): whether it is imported, and by whom, is then what the tests see."""


def _run_child(code: str, tmp_path) -> str:
    (tmp_path / "pkg_resources.py").write_text(FAKE_PKG_RESOURCES, encoding="utf-8")
    return run_python(code, path_first=(str(tmp_path),))


def test_jieba_is_imported_without_pkg_resources_and_cuts_as_before(tmp_path):
    # a fresh interpreter: the start-up path, where pkg_resources cost 120 ms of jieba's import
    out = _run_child(
        "import sys\n"
        "from indexer import analysis\n"
        "j = analysis.import_jieba()\n"
        "print('pkg_resources' in sys.modules)\n"
        "import pkg_resources\n"  # still importable afterwards, as usual
        "print(pkg_resources.imported)\n"
        "print(analysis.import_jieba() is j is sys.modules['jieba'])\n"
        "print('/'.join(analysis._jieba().lcut('中国人民武装警察部队在郑州市依法行政', HMM=False)))\n"
        "print('/'.join(j.Tokenizer().lcut('中国人民武装警察部队在郑州市依法行政', HMM=False)))\n",
        tmp_path)
    lines = out.splitlines()
    assert lines[:3] == ["False", "True", "True"]
    assert lines[3] == lines[4] and len(lines[3].split("/")) >= 3  # cut, as jieba cuts


def test_jieba_uses_pkg_resources_when_it_was_imported_already(tmp_path):
    out = _run_child(
        "import sys, pkg_resources\n"
        "from indexer import analysis\n"
        "j = analysis.import_jieba()\n"
        "import jieba._compat as c\n"
        "print(sys.modules['pkg_resources'] is pkg_resources, c.pkg_resources is pkg_resources)\n"
        "print(len(analysis._jieba().lcut('依法行政', HMM=False)))\n",  # its files read through it
        tmp_path)
    assert out.split() == ["True", "True", "1"]


def test_jieba_imported_by_many_threads_at_once_is_whole_in_each(tmp_path):
    out = _run_child(
        "import threading, time\n"
        "from indexer import analysis\n"
        "seen, go = [], threading.Barrier(16)\n"
        "def ask(k):\n"
        "    go.wait()\n"
        "    time.sleep(k * 0.002)\n"  # some arrive while the first is running jieba's code
        "    seen.append(hasattr(analysis.import_jieba(), 'Tokenizer'))\n"
        "threads = [threading.Thread(target=ask, args=(k,)) for k in range(16)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(seen.count(True))\n", tmp_path)
    assert out.split() == ["16"]


def test_jieba_reads_its_dictionary_from_a_deleted_working_folder(tmp_path):
    # jieba without pkg_resources joins its data files to os.getcwd(), which fails there
    gone = tmp_path / "gone"
    gone.mkdir()
    out = _run_child(
        "import os, sys\n"
        f"os.chdir({str(gone)!r}); os.rmdir({str(gone)!r})\n"
        "from indexer import analysis\n"
        "print('/'.join(analysis._jieba().lcut('依法行政的规定', HMM=False)))\n", tmp_path)
    assert out.split() == ["依法行政/的/规定"]


def test_the_default_dictionary_file_is_the_one_jieba_opens():
    from indexer import analysis

    jieba = analysis.import_jieba()
    with analysis.open_default_dictionary() as ours, jieba.Tokenizer().get_dict_file() as its:
        assert ours.read() == its.read()


@pytest.mark.parametrize("text, tag", [
    ("先帝創業未半，而中道崩殂，今天下三分，益州疲弊。", "zh-Hant"),
    # 表 stands for 錶 in Simplified, yet is no Simplified-only character (it was counted so)
    ("出師表\n\n先帝創業未半，而中道崩殂，今天下三分，益州疲弊。", "zh-Hant"),
    ("先帝创业未半，而中道崩殂，今天下三分，益州疲弊。", "zh-Hans"),
    ("之乎者也，学而时习之。", "zh-Hans"),  # no character tells: the commoner script
    ("（）【】「」《》" * 10 + "國", "zh-Hant"),  # punctuation folds are not Traditional
    ("中華人民共和國" + "人民政府" * 50, "zh-Hant"),  # characters both scripts share count for neither
    ("", "zh-Hans"),
])
def test_language_tag_names_the_script_a_text_is_written_in(text, tag):
    """Traditional documents were served as zh-CN (new-user trials): the tag comes from the
    text, Traditional-only characters against Simplified-only ones."""
    from indexer.normalize import language_tag

    assert language_tag(text) == tag
