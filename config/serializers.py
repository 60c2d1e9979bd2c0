"""Strict input building blocks shared by every API.

DRF coerces by default (``123`` becomes ``"123"``, ``"true"`` becomes ``True``) and ignores unknown
keys. Our inputs do neither: a wrong JSON type or an unknown field is a 400 ``VALIDATION_FAILED``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.settings import api_settings

from config.ids import OBJECT_ID_RE, is_object_id


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # The documented maxLength applies to what the client sent, before whitespace is trimmed.
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be a JSON boolean (true or false)."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Must be a JSON integer."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    default_error_messages = {"invalid": "Must be a JSON number."}

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    default_error_messages = {"invalid_choice": "Must be one of: {choices}."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or data not in self.choice_strings_to_values:
            self.fail("invalid_choice", choices=", ".join(self.choice_strings_to_values))
        return self.choice_strings_to_values[data]


@extend_schema_field({"type": "string", "pattern": OBJECT_ID_RE.pattern})
class ObjectIdInputField(StrictCharField):
    default_error_messages = {"invalid_id": "Must be a 24-character lowercase hex id."}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not is_object_id(value):
            self.fail("invalid_id")
        return value


# Rejects a non-object body and any key it does not declare. (A comment, not a docstring:
# drf-spectacular would show an inherited docstring as every request schema's description.)
class StrictSerializer(serializers.Serializer):
    default_error_messages = {"not_object": "Must be a JSON object."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [self.error_messages["not_object"]]},
                code="invalid",
            )
        writable = {name for name, f in self.fields.items() if not f.read_only}
        unknown = sorted(set(data) - writable)
        if unknown:
            raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    default_error_messages = {"invalid": "Enter a valid email address."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data).lower()


class StrictSlugField(serializers.SlugField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def validated_input(
    serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any
) -> serializers.Serializer:
    """The request body bound to ``serializer_class`` (``kwargs`` such as ``context`` go to it)
    and valid, or 400 ``VALIDATION_FAILED``. Returns the serializer, whose ``validated_data``
    (and any methods) the view then reads: one helper, one return type, for every API."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer


@extend_schema_field(OpenApiTypes.DATETIME)
class OffsetDateTimeField(serializers.Field):
    """An ISO 8601 date-time that states its UTC offset (``Z`` or ``±hh:mm``): a time without
    one would mean whatever the server's zone is."""

    default_error_messages = {
        "invalid": "Must be an ISO 8601 date-time with a UTC offset, e.g. 2027-01-01T09:00:00Z.",
    }

    def to_internal_value(self, data: Any) -> dt.datetime:
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            value = dt.datetime.fromisoformat(data)
            if value.tzinfo is None or value.utcoffset() is None:
                self.fail("invalid")
            return value.astimezone(dt.UTC)
        except (ValueError, OverflowError):  # OverflowError: year 9999 with a negative offset
            self.fail("invalid")

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat().replace("+00:00", "Z")
