"""Template categories, managed centrally by staff (re-exported from ``publishing.models``)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class TemplateCategory(models.Model):
    """A category a template may be filed under. ``name`` is the slug templates store; hiding a
    category (``is_active`` off) stops new use of it, while templates already in it keep it."""

    name = models.SlugField(max_length=50, unique=True, help_text="Lower-case slug, e.g. email.")
    display_name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    color = models.CharField(max_length=7, default="#6b7280", help_text="Hex colour, #rrggbb.")
    sort_order = models.IntegerField(default=0, db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "template categories"
        constraints = [
            models.CheckConstraint(
                condition=Q(name=Lower("name")), name="template_category_name_lower"
            ),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="template_category_color_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name
