"""The API's JSON renderer: DRF's, able to embed documents that are already JSON text.

A large generated document (a content type's schema can weigh hundreds of kB) is stored as
PostgreSQL ``json``; reading it as text and sending it as is avoids decoding it into Python objects
only to encode it again, which was most of the cost of returning one. Wrap such text in
``RawJSON``; the renderer writes it where the wrapper stands.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from rest_framework import renderers


class RawJSON:
    """JSON text to embed as it is. Only for text that came out of a ``json`` column (PostgreSQL
    validated it on the way in); nothing here parses it again."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawJSON({len(self.text)} chars)"


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        raws: list[str] = []
        nonce = secrets.token_hex(8)  # a placeholder no client-supplied string can equal

        def marker(index: int) -> str:
            return f"\ue000raw-json:{nonce}:{index}\ue000"

        base = self.encoder_class

        class Encoder(base):  # type: ignore[misc, valid-type]
            def default(self, obj: Any) -> Any:
                if isinstance(obj, RawJSON):
                    raws.append(obj.text)
                    return marker(len(raws) - 1)
                return super().default(obj)

        self.encoder_class = Encoder  # renderers are instantiated per request
        try:
            out = super().render(data, accepted_media_type, renderer_context)
        finally:
            del self.encoder_class
        for index, text in enumerate(raws):
            # As DRF does for the rest of the body: U+2028/2029 escaped, a strict JS subset.
            text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
            placeholder = json.dumps(marker(index), ensure_ascii=self.ensure_ascii).encode()
            out = out.replace(placeholder, text.encode(), 1)
        return out
