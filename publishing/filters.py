"""Query-string filters for item lists (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from publishing.models import Prompt, Template, TemplateType


class PromptFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search name/description."
    )
    owner = django_filters.NumberFilter(field_name="owner_id", help_text="Owner user id.")
    updatedSince = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date-time."
    )
    ordering = django_filters.OrderingFilter(
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
