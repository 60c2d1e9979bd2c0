"""``OPTIONS`` answers 200 with the ``Allow`` header and no body.

The OpenAPI schema documents the API, so there is no self-description (DRF's ``SimpleMetadata``
needs a ``serializer_class`` our views do not have). Without a metadata class DRF answers 405
while its own ``Allow`` header lists OPTIONS; browsers' CORS preflights never get here
(``corsheaders`` answers them first), but plain ``OPTIONS`` requests do.
"""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import BaseMetadata
from rest_framework.request import Request


class AllowOnlyMetadata(BaseMetadata):
    def determine_metadata(self, request: Request, view: Any) -> None:
        return None
