"""Auth, organization, membership and API key endpoints (``/api/`` envelope)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from config.errors import ForbiddenError, ServiceUnavailableError, UnauthorizedError
from config.health import is_ready, readiness
from config.pagination import paginated
from config.query_params import StrictQueryParamsMixin
from config.responses import ok
from config.schema import PAGE_PARAMETERS, enveloped, errors, paged
from config.serializers import validated_input
from publishing import selectors, services
from publishing.api import serializers as s
from publishing.models import APIKey
from publishing.tenancy import actor_from_request
from publishing.throttling import AUTH_THROTTLES
from publishing.tokens import SingleUseTokenRefreshSerializer

AUTH_TAG = ["auth"]
ORG_TAG = ["organizations"]


def _token_pair(user) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # load balancers probe it; a 429 would take a healthy node out

    @extend_schema(
        tags=["health"],
        summary="Liveness and database check",
        responses={
            200: enveloped(s.HealthOutputSerializer),
            **errors(503),
        },
    )
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            raise ServiceUnavailableError("The database is unavailable.") from exc
        return ok({"status": "ok", "database": "ok"})


class LiveView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        tags=["health"],
        summary="Liveness: the process answers (no database access)",
        responses={200: enveloped(s.LiveOutputSerializer)},
    )
    def get(self, request: Request) -> Response:
        return ok({"status": "live"})


class ReadyView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        tags=["health"],
        summary="Readiness: database, migrations applied, a worker heartbeat when expected",
        description=(
            "200 when ready. 503 `SERVICE_UNAVAILABLE` with `details.checks` naming what is not: "
            "`database` failed, `migrations` pending (run `migrate`), or, with "
            "`WORKERS_EXPECTED=1`, no task-engine worker heartbeat in the last 60 s."
        ),
        responses={200: enveloped(s.ReadyOutputSerializer), **errors(503)},
    )
    def get(self, request: Request) -> Response:
        checks = readiness()
        if not is_ready(checks):
            raise ServiceUnavailableError("Not ready.", details={"checks": checks})
        return ok({"status": "ready", "checks": checks})


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = AUTH_THROTTLES

    @extend_schema(
        tags=AUTH_TAG,
        summary="Sign up: a user and an organization they own",
        request=s.RegisterInputSerializer,
        responses={201: enveloped(s.RegisterOutputSerializer), **errors(400, 403, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        if not settings.ALLOW_SIGNUP:
            raise ForbiddenError("Sign-up is disabled on this server.")
        data = validated_input(s.RegisterInputSerializer, request).validated_data
        user, organization = services.user_register(
            email=data["email"],
            password=data["password"],
            full_name=data["fullName"],
            organization_name=data["organizationName"],
        )
        organization.role = "owner"
        body = {
            **_token_pair(user),
            "user": s.UserOutputSerializer(user).data,
            "organization": s.OrganizationOutputSerializer(organization).data,
        }
        return ok(body, status=201)


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = AUTH_THROTTLES

    @extend_schema(
        tags=AUTH_TAG,
        summary="Exchange email and password for a JWT pair",
        request=s.LoginInputSerializer,
        responses={200: enveloped(s.LoginOutputSerializer), **errors(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        data = validated_input(s.LoginInputSerializer, request).validated_data
        user = authenticate(request, username=data["email"].strip(), password=data["password"])
        if user is None:
            # Same answer for an unknown email and a wrong password.
            raise UnauthorizedError("Invalid email or password.")
        return ok({**_token_pair(user), "user": s.UserOutputSerializer(user).data})


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=AUTH_TAG,
        summary="Rotate a refresh token into a new pair (the old one is blacklisted)",
        request=s.RefreshInputSerializer,
        responses={200: enveloped(s.TokenPairOutputSerializer), **errors(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        data = validated_input(s.RefreshInputSerializer, request).validated_data
        serializer = SingleUseTokenRefreshSerializer(data={"refresh": data["refresh"]})
        try:
            serializer.is_valid(raise_exception=True)
        except Exception as exc:  # simplejwt raises InvalidToken/TokenError subclasses
            raise UnauthorizedError("Refresh token is invalid, expired or already used.") from exc
        return ok(
            {
                "access": serializer.validated_data["access"],
                "refresh": serializer.validated_data["refresh"],
            }
        )


class LogoutView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=AUTH_TAG,
        summary="Blacklist a refresh token",
        request=s.RefreshInputSerializer,
        responses={
            200: enveloped(s.LogoutOutputSerializer),
            **errors(400, 401),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated_input(s.RefreshInputSerializer, request).validated_data
        try:
            RefreshToken(data["refresh"]).blacklist()
        except TokenError as exc:
            raise UnauthorizedError("Refresh token is invalid, expired or already used.") from exc
        return ok({"loggedOut": True})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=AUTH_TAG,
        summary="The signed-in user and their organizations",
        responses={200: enveloped(s.UserOutputSerializer), **errors(401)},
    )
    def get(self, request: Request) -> Response:
        context = {}
        if isinstance(request.auth, APIKey):
            # A key acts in its own organization with its own role: it must not reveal the other
            # organizations of the user who created it, nor that user's role.
            actor = actor_from_request(request)
            actor.organization.role = actor.role
            context["organizations"] = [actor.organization]
        return ok(s.UserOutputSerializer(request.user, context=context).data)


# --- organizations -----------------------------------------------------------------------------
class OrganizationListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=ORG_TAG,
        summary="List my organizations",
        operation_id="organizations_list",
        responses={200: enveloped(s.OrganizationOutputSerializer, many=True), **errors(401)},
    )
    def get(self, request: Request) -> Response:
        if isinstance(request.auth, APIKey):
            actor = actor_from_request(request)
            organizations = [actor.organization]
            actor.organization.role = actor.role
        else:
            organizations = selectors.organization_list_for_user(user=request.user)
        return ok(s.OrganizationOutputSerializer(organizations, many=True).data)

    @extend_schema(
        tags=ORG_TAG,
        summary="Create an organization (you become its owner)",
        request=s.OrganizationCreateInputSerializer,
        responses={201: enveloped(s.OrganizationOutputSerializer), **errors(400, 401, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, APIKey):
            raise ForbiddenError("API keys cannot create organizations; sign in as a user.")
        data = validated_input(s.OrganizationCreateInputSerializer, request).validated_data
        organization = services.organization_create(
            user=request.user, name=data["name"], slug=data.get("slug")
        )
        organization.role = "owner"
        return ok(s.OrganizationOutputSerializer(organization).data, status=201)


class OrganizationDetailView(APIView):
    @extend_schema(
        tags=ORG_TAG,
        summary="Get one of my organizations",
        responses={200: enveloped(s.OrganizationOutputSerializer), **errors(400, 401, 404)},
    )
    def get(self, request: Request, organization_id: str) -> Response:
        actor = actor_from_request(request, organization_id)
        actor.organization.role = actor.role
        return ok(s.OrganizationOutputSerializer(actor.organization).data)

    @extend_schema(
        tags=ORG_TAG,
        summary="Rename an organization or change its slug (admin or owner)",
        request=s.OrganizationUpdateInputSerializer,
        responses={
            200: enveloped(s.OrganizationOutputSerializer),
            **errors(400, 401, 403, 404, 409),
        },
    )
    def patch(self, request: Request, organization_id: str) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.OrganizationUpdateInputSerializer, request).validated_data
        organization = services.organization_update(
            actor=actor,
            organization=actor.organization,
            name=data.get("name"),
            slug=data.get("slug"),
        )
        organization.role = actor.role
        return ok(s.OrganizationOutputSerializer(organization).data)


class MemberListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=ORG_TAG,
        summary="List members",
        operation_id="organizations_members_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paged(s.MembershipOutputSerializer), **errors(400, 401, 404)},
    )
    def get(self, request: Request, organization_id: str) -> Response:
        actor = actor_from_request(request, organization_id)
        return paginated(
            request, selectors.membership_list(actor=actor), s.MembershipOutputSerializer
        )

    @extend_schema(
        tags=ORG_TAG,
        summary="Add an existing user by email (admin or owner)",
        request=s.MembershipCreateInputSerializer,
        responses={201: enveloped(s.MembershipOutputSerializer), **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, organization_id: str) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.MembershipCreateInputSerializer, request).validated_data
        membership = services.membership_add(actor=actor, email=data["email"], role=data["role"])
        return ok(s.MembershipOutputSerializer(membership).data, status=201)


class MemberDetailView(APIView):
    @extend_schema(
        tags=ORG_TAG,
        summary="Change a member's role (admin or owner; only owners touch owners)",
        request=s.MembershipUpdateInputSerializer,
        responses={200: enveloped(s.MembershipOutputSerializer), **errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, organization_id: str, member_id: int) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.MembershipUpdateInputSerializer, request).validated_data
        membership = services.membership_change_role(
            actor=actor, membership_id=member_id, role=data["role"]
        )
        return ok(s.MembershipOutputSerializer(membership).data)

    @extend_schema(
        tags=ORG_TAG,
        summary="Remove a member (admin or owner, or yourself); the last owner stays",
        responses={204: None, **errors(401, 403, 404, 409)},
    )
    def delete(self, request: Request, organization_id: str, member_id: int) -> Response:
        actor = actor_from_request(request, organization_id)
        services.membership_remove(actor=actor, membership_id=member_id)
        return Response(status=204)


class APIKeyListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=ORG_TAG,
        summary="List API keys (never their secrets)",
        operation_id="organizations_api_keys_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paged(s.APIKeyOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, organization_id: str) -> Response:
        actor = actor_from_request(request, organization_id)
        actor.require_role("admin", "manage API keys")
        return paginated(request, selectors.api_key_list(actor=actor), s.APIKeyOutputSerializer)

    @extend_schema(
        tags=ORG_TAG,
        summary="Create an API key; the full key is in this response only",
        request=s.APIKeyCreateInputSerializer,
        responses={201: enveloped(s.APIKeyCreatedOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, organization_id: str) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.APIKeyCreateInputSerializer, request).validated_data
        key, raw = services.api_key_create(actor=actor, name=data["name"], role=data["role"])
        key.key = raw
        return ok(s.APIKeyCreatedOutputSerializer(key).data, status=201)


class APIKeyDetailView(APIView):
    @extend_schema(
        tags=ORG_TAG,
        summary="Revoke an API key (idempotent)",
        responses={200: enveloped(s.APIKeyOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def delete(self, request: Request, organization_id: str, key_id: str) -> Response:
        actor = actor_from_request(request, organization_id)
        key = services.api_key_revoke(actor=actor, key_id=key_id)
        return ok(s.APIKeyOutputSerializer(key).data)
