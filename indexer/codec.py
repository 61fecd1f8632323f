"""The Whoosh codec our segments are written with.

It is Whoosh's own ``W3Codec`` (the default file format) with two changes. Posting blocks hold
up to 1,024 postings instead of 128: :mod:`indexer.postings` reads whole posting lists, and
with a tenth of the blocks a cold read of common terms took 40 % less time (4.8 vs 7.9 ms for
18 lists of 600 cn-laws files) at the same size. And ``length_stats = False``. With it on, the segment writer looks up the field length of the
section behind every posting it writes, through a column reader (a seek and a read each), to
keep each term's shortest and longest field length; those only serve Whoosh's block-quality
bounds, which our exact top-N does not use (:mod:`indexer.searcher`), and with them absent
(zero) the bounds only get looser, never wrong. Writing without them made a build about 13 %
faster. Scoring reads field lengths from the per-document columns, which are unchanged.

The codec object is pickled into each segment's table of contents, so this class must stay
importable under this name for as long as indexes written with it are read; renaming it means
raising :data:`indexer.analysis.ANALYZER_VERSION` so old indexes are rebuilt.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec


class SectionCodec(W3Codec):
    """``W3Codec`` with larger posting blocks and without per-term field-length statistics
    (see the module docstring)."""

    length_stats = False

    def __init__(self, blocklimit: int = 1024, compression: int = 3, inlinelimit: int = 1):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)
