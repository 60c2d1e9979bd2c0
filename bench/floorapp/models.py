"""Two tables for the floor endpoint: rows to lock, and rows to insert."""

from django.db import models


class FloorRow(models.Model):
    """One row per request key; the floor endpoint locks one of them."""

    id = models.BigIntegerField(primary_key=True)
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"floor row {self.pk}"


class FloorEvent(models.Model):
    """What the floor endpoint inserts: one row per request."""

    row = models.ForeignKey(FloorRow, on_delete=models.CASCADE, related_name="+")
    user_id = models.BigIntegerField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"floor event {self.pk}"
