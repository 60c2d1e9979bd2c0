"""Bearer authentication: an organization API key (``pk_…``) or a simplejwt access token."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

API_KEY_PREFIX = "pk_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


class APIKeyAuthentication(BaseAuthentication):
    """Authenticates ``Authorization: Bearer pk_<prefix>_<secret>``.

    The key is looked up by its visible prefix and compared by hash in constant time. The request's
    user is the key's creator (for attribution); its organization and role come from the key.
    """

    def authenticate(self, request):
        from publishing.models import APIKey

        header = get_authorization_header(request).split()
        if len(header) != 2 or header[0].lower() != b"bearer":
            return None
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            return None
        if not raw.startswith(API_KEY_PREFIX):
            return None
        prefix = raw[: raw.find("_", len(API_KEY_PREFIX))] if raw.count("_") >= 2 else ""
        key = (
            APIKey.objects.select_related("organization", "created_by")
            .filter(prefix=prefix)
            .first()
            if prefix
            else None
        )
        if key is None or not hmac.compare_digest(key.hashed_key, hash_api_key(raw)):
            raise AuthenticationFailed("Invalid API key.")
        if key.revoked_at is not None:
            raise AuthenticationFailed("This API key has been revoked.")
        if not key.created_by.is_active:
            raise AuthenticationFailed("This API key's creator is inactive.")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            # At most one write per key per minute, not one per request.
            APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.created_by, key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class BearerJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication, with one clear message for any bad token.

    The user is loaded together with their memberships in one query, so resolving the acting
    organization (``publishing.tenancy.actor_from_request``) costs nothing more.
    """

    def get_user(self, validated_token):
        from publishing.models import Membership

        user_id = validated_token.get(jwt_settings.USER_ID_CLAIM)
        if user_id is None:
            raise AuthenticationFailed("Token is invalid or expired.")
        memberships = list(
            Membership.objects.select_related("user", "organization")
            .filter(user_id=user_id)
            .order_by("created_at", "id")
        )
        if not memberships:
            user = super().get_user(validated_token)
        else:
            user = memberships[0].user
            if not user.is_active:
                raise AuthenticationFailed("User is inactive.")
            for membership in memberships:
                membership.user = user
        if jwt_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            jwt_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed("The user's password has been changed.")
        user._memberships = memberships
        return user

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed as exc:
            raise AuthenticationFailed("Token is invalid or expired.") from exc
