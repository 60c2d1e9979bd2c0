"""Input and output shapes for the auth and organization APIs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import (
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictSerializer,
    StrictSlugField,
)
from publishing.models import APIKey, Membership, Organization, Role, User


# --- output ------------------------------------------------------------------------------------
class OrganizationOutputSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True, required=False, help_text="Your role in it.")
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "role", "createdAt"]


class UserOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)


class UserOutputSerializer(serializers.ModelSerializer):
    fullName = serializers.CharField(source="full_name")
    organizations = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "fullName", "organizations"]

    @extend_schema_field(UserOrganizationSerializer(many=True))
    def get_organizations(self, user: User) -> list[dict]:
        organizations = self.context.get("organizations")
        if organizations is None:
            from publishing.selectors import organization_list_for_user

            organizations = organization_list_for_user(user=user)
        return UserOrganizationSerializer(organizations, many=True).data


class HealthOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField()


class LiveOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["live"])


class ReadyChecksSerializer(serializers.Serializer):
    database = serializers.CharField(help_text="ok or failed.")
    migrations = serializers.CharField(help_text="ok, or pending until `migrate` runs.")
    worker = serializers.CharField(help_text="ok, failed, or not expected (WORKERS_EXPECTED off).")


class ReadyOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ready"])
    checks = ReadyChecksSerializer()


class LogoutOutputSerializer(serializers.Serializer):
    loggedOut = serializers.BooleanField()


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginOutputSerializer(TokenPairOutputSerializer):
    user = UserOutputSerializer()


class RegisterOutputSerializer(LoginOutputSerializer):
    organization = OrganizationOutputSerializer()


class MemberUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    fullName = serializers.CharField(source="full_name")


class MembershipOutputSerializer(serializers.ModelSerializer):
    user = MemberUserSerializer()
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "createdAt"]


class APIKeyOutputSerializer(serializers.ModelSerializer):
    createdBy = serializers.EmailField(source="created_by.email")
    createdAt = serializers.DateTimeField(source="created_at")
    lastUsedAt = serializers.DateTimeField(source="last_used_at", allow_null=True)
    revokedAt = serializers.DateTimeField(source="revoked_at", allow_null=True)

    class Meta:
        model = APIKey
        fields = [
            "id",
            "name",
            "role",
            "prefix",
            "createdBy",
            "createdAt",
            "lastUsedAt",
            "revokedAt",
        ]


class APIKeyCreatedOutputSerializer(APIKeyOutputSerializer):
    key = serializers.CharField(help_text="The full key. Shown only in this response.")

    class Meta(APIKeyOutputSerializer.Meta):
        fields = [*APIKeyOutputSerializer.Meta.fields, "key"]


# --- input -------------------------------------------------------------------------------------
class RegisterInputSerializer(StrictSerializer):
    email = StrictEmailField(max_length=254)
    password = StrictCharField(max_length=128, trim_whitespace=False)
    fullName = StrictCharField(max_length=200)
    organizationName = StrictCharField(max_length=200)


class LoginInputSerializer(StrictSerializer):
    email = StrictCharField(max_length=254)
    password = StrictCharField(max_length=128, trim_whitespace=False)


class RefreshInputSerializer(StrictSerializer):
    refresh = StrictCharField(max_length=2000)


class OrganizationCreateInputSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    slug = StrictSlugField(max_length=100, required=False)


class OrganizationUpdateInputSerializer(StrictSerializer):
    name = StrictCharField(max_length=200, required=False)
    slug = StrictSlugField(max_length=100, required=False)


class MembershipCreateInputSerializer(StrictSerializer):
    email = StrictEmailField(max_length=254)
    role = StrictChoiceField(choices=Role.choices)


class MembershipUpdateInputSerializer(StrictSerializer):
    role = StrictChoiceField(choices=Role.choices)


class APIKeyCreateInputSerializer(StrictSerializer):
    name = StrictCharField(max_length=100)
    role = StrictChoiceField(choices=Role.choices, required=False, default=Role.EDITOR)
