from django.urls import path
from rest_framework.routers import SimpleRouter

from publishing.api import item_views, views

router = SimpleRouter(trailing_slash=False)
router.register("prompts", item_views.PromptViewSet, basename="prompt")
router.register("templates", item_views.TemplateViewSet, basename="template")

urlpatterns = [
    path("health", views.HealthView.as_view(), name="health"),
    path("health/live", views.LiveView.as_view(), name="health-live"),
    path("health/ready", views.ReadyView.as_view(), name="health-ready"),
    path(
        "template-categories",
        item_views.TemplateCategoryListView.as_view(),
        name="template-category-list",
    ),
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", views.MeView.as_view(), name="auth-me"),
    path("organizations", views.OrganizationListView.as_view(), name="organization-list"),
    path(
        "organizations/<uuid:organization_id>",
        views.OrganizationDetailView.as_view(),
        name="organization-detail",
    ),
    path(
        "organizations/<uuid:organization_id>/members",
        views.MemberListView.as_view(),
        name="member-list",
    ),
    path(
        "organizations/<uuid:organization_id>/members/<int:member_id>",
        views.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path(
        "organizations/<uuid:organization_id>/api-keys",
        views.APIKeyListView.as_view(),
        name="apikey-list",
    ),
    path(
        "organizations/<uuid:organization_id>/api-keys/<uuid:key_id>",
        views.APIKeyDetailView.as_view(),
        name="apikey-detail",
    ),
    *router.urls,
]
