"""Query-string filters for item lists (django-filter)."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django_filters.fields import BaseCSVField, IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from publishing.models import Prompt, Template, TemplateType

MAX_BIGINT = 2**63 - 1


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC here: PostgreSQL refuses UTC offsets beyond ±15:59
    and a value that leaves the calendar in UTC (year 1 at +01:00) cannot be compared at all."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


@extend_schema_field(
    {"type": "integer", "minimum": 1, "maximum": MAX_BIGINT, "description": "Owner user id."}
)
class UserIdFilter(django_filters.NumberFilter):
    """A user id: a whole number that fits the id column (not a decimal, NaN or 1e400)."""

    field_class = forms.IntegerField


class NonEmptyTermsCSVField(BaseCSVField):
    """Comma-separated terms, none of them empty: ``?ordering=,`` or ``name,`` is a 400, as the
    schema (each term one of the choices) says, not an unordered list."""

    def clean(self, value):
        if value and any(term in ("", None) for term in value):
            raise ValidationError("Empty ordering term.", code="invalid")
        return super().clean(value)


class StrictOrderingFilter(django_filters.OrderingFilter):
    base_field_class = NonEmptyTermsCSVField


class PromptFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search name/description."
    )
    owner = UserIdFilter(
        field_name="owner_id", min_value=1, max_value=MAX_BIGINT, help_text="Owner user id."
    )
    updatedSince = UTCDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date-time."
    )
    ordering = StrictOrderingFilter(
        fields=(("name", "name"), ("updated_at", "updatedAt"), ("created_at", "createdAt")),
        help_text="name, updatedAt or createdAt; prefix '-' for descending (default -updatedAt).",
    )

    class Meta:
        model = Prompt
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class TemplateFilter(PromptFilter):
    type = django_filters.ChoiceFilter(choices=TemplateType.choices)
    category = django_filters.CharFilter(max_length=50)

    class Meta:
        model = Template
        fields: list[str] = []
