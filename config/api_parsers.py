"""The API's JSON parser: DRF's own, refusing what JSON may spell but no database can store.

JSON may escape lone UTF-16 surrogates (`"\\ud800"`): Python decodes them into a string that cannot
be encoded as UTF-8, so the first write to the database would fail with a 500.
"""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class CheckedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(
                "The JSON holds a lone surrogate (\\ud800-\\udfff): not text."
            ) from None
        return data
