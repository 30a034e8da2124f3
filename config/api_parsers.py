"""The API's JSON parser: DRF's own, refusing what JSON may spell but the API cannot take.

JSON may nest without end: a few kilobytes of `[[[[...` make the decoder, and any code that walks
the result, exceed Python's recursion limit, which no view catches. No body the API takes is more
than a few levels deep, so anything past MAX_DEPTH is refused before a view sees it.

JSON may also escape lone UTF-16 surrogates (`"\\ud800"`): Python decodes them into a string that
cannot be encoded as UTF-8, so the first write to the database would fail.
"""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = f"The JSON is nested more than {MAX_DEPTH} levels deep."


def deeper_than(data: object, limit: int) -> bool:
    """Walks the parsed value with a stack of its own, so that the walk itself cannot recurse."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            if depth > limit:
                return True
            pending.extend((item, depth + 1) for item in value)
    return False


class CheckedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if deeper_than(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(
                "The JSON holds a lone surrogate (\\ud800-\\udfff): not text."
            ) from None
        return data
