"""The API's input fields, used by every quantum's serializers: they take JSON's types as they are.

DRF's own turn `0` into `"0"`, `"12"` into `12` and `"yes"` into `True`, which hides a client's
mistake and lets the API accept what its schema says it refuses.
"""

import copy

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers


class TextOnly:
    """A JSON string or a 400, before the field's own checks."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(TextOnly, serializers.CharField):
    pass


class StrictTextSchema(OpenApiSerializerFieldExtension):
    """States in the schema what a text field refuses beyond its length: a NUL character (no
    database stores it) and, where blanks are refused, text that is blank once its surrounding
    whitespace is trimmed. A schema that allowed those would promise what the API turns down."""

    target_class = StrictCharField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            refuses_blank = not self.target.allow_blank and self.target.trim_whitespace
            schema["pattern"] = r"^[^\x00]*[^\s\x00][^\x00]*$" if refuses_blank else r"^[^\x00]*$"
        return schema


class StrictEmailField(TextOnly, serializers.EmailField):
    pass


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false` only: DRF's own reads `"yes"`, `1` or `"off"` as answers to a question."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictModelSerializer(serializers.ModelSerializer):
    """Every model serializer of the API, those that only answer too: its input fields take JSON's
    types as they are, and its fields are built once per class."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.BooleanField: StrictBooleanField,
    }

    def get_fields(self):
        # DRF builds each field again from the model's metadata for every serializer it makes,
        # which cost a ticket submission more than validating its input. What it builds depends
        # on the class alone: built once, and each serializer gets copies of its own. A field's
        # binding (its parent, name, source) is assigned on the copy, so a plain field needs a
        # shallow copy only; a nested serializer binds fields of its own and is copied deeply.
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = super().get_fields()
        return {
            name: copy.deepcopy(field)
            if isinstance(field, serializers.BaseSerializer)
            else copy.copy(field)
            for name, field in cls._built_fields.items()
        }
