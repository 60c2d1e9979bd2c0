"""Views of bulk content migrations: start one (a job), list a type's, read one's report."""

from __future__ import annotations

import uuid

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import ContentPagination, paginated
from config.query_params import StrictQueryParamsMixin
from config.schema import PAGE_PARAMETERS, content_errors
from config.serializers import validated_input
from contenttypes_app import content_selectors as selectors
from contenttypes_app import services
from contenttypes_app.api import serializers as s
from contenttypes_app.api.views.common import CONTENT_TYPES, content_page
from publishing.tenancy import actor_from_request

LOCATION = OpenApiParameter(
    "Location",
    str,
    OpenApiParameter.HEADER,
    response=[202],
    description="The migration's URL: poll it for the report.",
)


class ContentTypeMigrateContentView(APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_migrate_content",
        summary="Migrate every content item of the type to one of its versions (a job)",
        description=(
            "Queues a job that re-validates each non-deleted item against the target version's "
            "schema and moves the ones that fit (`published`/`unpublished` items become "
            "`modified`; drafts stay drafts), in batches; poll the `Location` for the report "
            "`{migrated, failed: [{id, errors}], failedCount, unchanged}`. `dryRun: true` reports "
            "the same without changing anything. Editors and up. Unknown target: 404 "
            "TYPE_VERSION_NOT_FOUND; deleted type: 409 INVALID_STATUS; a migration of this type "
            "already queued or running: 409 MIGRATION_IN_PROGRESS with `details.migrationId`."
        ),
        request=s.MigrateContentInputSerializer,
        parameters=[LOCATION],
        responses={
            202: s.ContentMigrationOutputSerializer,
            **content_errors(400, 401, 403, 404, 409),
        },
    )
    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.MigrateContentInputSerializer, request).validated_data
        migration = services.content_migration_start(
            actor=actor,
            content_type_id=id,
            to_version=data["toVersion"],
            dry_run=data["dryRun"],
            project_id=project_id,
        )
        location = request.build_absolute_uri(
            reverse(
                "ct-content-migration-detail",
                kwargs={
                    "organization_id": organization_id,
                    "project_id": project_id,
                    "id": id,
                    "migration_id": migration.pk,
                },
            )
        )
        return Response(
            s.ContentMigrationOutputSerializer(migration).data,
            status=202,
            headers={"Location": location},
        )


class ContentMigrationListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_content_migrations_list",
        summary="List the type's content migrations and dry runs, newest first",
        parameters=PAGE_PARAMETERS,
        responses={
            200: content_page(s.ContentMigrationOutputSerializer, "ContentMigrationPage"),
            **content_errors(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        queryset = selectors.content_migration_list(
            actor=actor, project_id=project_id, content_type_id=id
        )
        return paginated(request, queryset, s.ContentMigrationOutputSerializer, ContentPagination)


class ContentMigrationDetailView(APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_content_migrations_retrieve",
        summary="Get a content migration and its report",
        description="Unknown (or another organization's): 404 MIGRATION_NOT_FOUND.",
        responses={200: s.ContentMigrationOutputSerializer, **content_errors(401, 404)},
    )
    def get(
        self, request: Request, organization_id, project_id, id: uuid.UUID, migration_id
    ) -> Response:
        actor = actor_from_request(request, organization_id)
        migration = selectors.content_migration_get(
            actor=actor, project_id=project_id, content_type_id=id, migration_id=migration_id
        )
        return Response(s.ContentMigrationOutputSerializer(migration).data)
