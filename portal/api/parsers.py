"""JSON bodies with a bound on nesting.

Python's ``json`` recurses once per ``[`` or ``{``: a 50 KB body of ``[[[[…`` exhausts the
interpreter's stack and the client got a 500. The deepest body the API reads is an ASN with its
lines, their items and packages (about 5 levels), so anything deeper than ``MAX_JSON_DEPTH`` is
refused as a 400 before it is parsed. The check is one regex pass that skips strings (a ``[``
inside ``"…"`` is text) and counts brackets; the parse itself still guards against
``RecursionError`` in case the interpreter's stack is smaller than the bound assumes.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant

MAX_JSON_DEPTH = 32
# A JSON string (escapes included, unrolled so long strings do not backtrack) or one bracket.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class JsonTooDeep(ValueError):
    """The text nests arrays/objects deeper than allowed; ``str()`` is the client-facing message."""


def _nested_too_deep(limit: int) -> str:
    return _("JSON nested deeper than %(limit)s levels.") % {"limit": limit}


def json_depth_check(text: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ``JsonTooDeep`` if ``text`` opens more than ``limit`` arrays/objects inside each other.

    Linear in ``len(text)``; malformed text is not judged here (``json.loads`` reports it).
    """
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                raise JsonTooDeep(_nested_too_deep(limit))
        elif token in "]}":
            depth -= 1


def json_loads_bounded(text: str, limit: int = MAX_JSON_DEPTH, **kwargs: Any) -> Any:
    """``json.loads`` for text a client sent: ``JsonTooDeep`` past ``limit`` levels, ``ValueError``
    for anything else that is not JSON (``JsonTooDeep`` is a ``ValueError`` too)."""
    json_depth_check(text, limit)
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise JsonTooDeep(_nested_too_deep(limit)) from None


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than ``MAX_JSON_DEPTH`` (400, ``ParseError``)."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})  # an unknown charset is a ParseError already
        parse_constant = strict_constant if self.strict else None  # NaN/Infinity are not JSON
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_loads_bounded(text, self.max_depth, parse_constant=parse_constant)
        except JsonTooDeep as exc:
            raise ParseError(str(exc)) from None
        except ValueError as exc:
            # Python's own words on where the text stops being JSON: a developer reads them, untranslated.
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
