"""DRF's JSON output, encoded by orjson.

The same bytes as `rest_framework.renderers.JSONRenderer` (compact, UTF-8, keys in order, datetimes and the other
non-JSON types through DRF's own encoder) in a fraction of the time, with two differences: float exponents are
written shortest (`1e-7`, not `1e-07`; the same value), and NaN is written `null` where DRF's strict encoder raises.
Whatever orjson refuses (an integer beyond 64 bits, a lone surrogate) and `?indent=` go through DRF's renderer.
"""

import orjson
from rest_framework import negotiation, renderers
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_default = JSONEncoder().default
# DRF escapes these two so that its JSON is also valid JavaScript.
_LINE_SEPARATOR, _PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class _ASCIIJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None or self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return self._drf_render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return self._drf_render(data, accepted_media_type, renderer_context)
        if _LINE_SEPARATOR in rendered or _PARAGRAPH_SEPARATOR in rendered:
            rendered = rendered.replace(_LINE_SEPARATOR, b"\\u2028").replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
        return rendered

    def _drf_render(self, data, accepted_media_type, renderer_context) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            # A lone surrogate (a request's string echoed in an error message) has no UTF-8 form: written escaped.
            return _ASCIIJSONRenderer().render(data, accepted_media_type, renderer_context)


class ContentNegotiation(negotiation.DefaultContentNegotiation):
    """DRF's negotiation, answered at once for what nearly every API client sends: no `Accept` header or `*/*`, and
    no `?format=`, with the view's first renderer (what DRF's negotiation picks then)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if accept == "*/*" and not format_suffix and self.settings.URL_FORMAT_OVERRIDE not in request.query_params:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
