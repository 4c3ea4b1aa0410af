"""The API's JSON parser: DRF's, with a bound on how deeply lists and objects may nest.

Python's json module recurses once per level, so a body of a thousand `[` ends in a RecursionError (a 500)
instead of an answer. The depth is measured on the text before parsing, in a few C-speed passes, and a body
deeper than any request of this API needs is refused in words.
"""

from __future__ import annotations

import codecs
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# The deepest request of the API nests two levels (an object holding a list); this leaves room for any
# future one while staying far below Python's recursion limit.
MAX_JSON_DEPTH = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(r"\[\]|\{\}")


def nesting_depth_exceeds(text: str, limit: int) -> bool:
    """Whether lists and objects in this JSON text nest more than `limit` levels deep. Brackets inside
    strings do not count. Each pass removes the innermost pairs, exactly one level; text that is not JSON
    (unbalanced brackets) stops shrinking and is left for the parser to refuse."""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(limit):
        if not brackets:
            return False
        shorter = _INNERMOST_PAIR.sub("", brackets)
        if shorter == brackets:
            return False
        brackets = shorter
    return bool(_INNERMOST_PAIR.search(brackets))


class BoundedJSONParser(JSONParser):
    too_deep = (f"its lists and objects are nested more than {MAX_JSON_DEPTH} levels deep. "
                "No request needs that many; send the data flatter.")

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            text = codecs.getreader(encoding)(stream).read()
        except ValueError as exc:  # not valid in its encoding
            raise ParseError(f"JSON parse error - {exc}") from None
        if nesting_depth_exceeds(text, MAX_JSON_DEPTH):
            raise ParseError(self.too_deep)
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:  # brackets that never close, which the count above leaves to the parser
            raise ParseError(self.too_deep) from None
