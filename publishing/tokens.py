"""JWT refresh hardening on top of simplejwt (rotation and blacklist are configured in settings)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password


class SingleUseTokenRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's rotating refresh, safe against concurrent reuse and password changes.

    simplejwt checks that the refresh token is not blacklisted, then blacklists it. Two requests
    presenting the same token at the same moment could both pass the check and both receive a new
    pair, so a stolen token raced against its owner would fork the session. Here the token's
    ``OutstandingToken`` row is locked first: the second request waits for the first to commit,
    then finds the token blacklisted and is refused.

    With ``CHECK_REVOKE_TOKEN`` a refresh token minted before the user's password changed is refused
    too (simplejwt checks that only for access tokens).
    """

    def validate(self, attrs):
        from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

        with transaction.atomic():
            token = RefreshToken(attrs["refresh"])  # signature, expiry, type, blacklist
            jti = token[jwt_settings.JTI_CLAIM]
            list(OutstandingToken.objects.select_for_update().filter(jti=jti).values("pk"))
            if jwt_settings.CHECK_REVOKE_TOKEN:
                user_id = token.get(jwt_settings.USER_ID_CLAIM)
                user = (
                    get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
                )
                claim = token.get(jwt_settings.REVOKE_TOKEN_CLAIM)
                if user is None or claim != get_md5_hash_password(user.password):
                    raise TokenError("The password has changed since this token was issued.")
            return super().validate(attrs)  # checks the blacklist again, under the lock
