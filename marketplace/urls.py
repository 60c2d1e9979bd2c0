from django.urls import path

from marketplace.api import versions, views

urlpatterns = [
    path("marketplace", views.BrowseView.as_view(), name="marketplace-browse"),
    path("marketplace/publish", views.PublishView.as_view(), name="marketplace-publish"),
    path("marketplace/unpublish", views.UnpublishItemView.as_view(), name="marketplace-unpublish"),
    path("marketplace/my-published", views.MyPublishedView.as_view(), name="marketplace-my"),
    path("marketplace/acquired", views.AcquiredListView.as_view(), name="acquisition-list"),
    path(
        "marketplace/acquired/<str:acquisition_id>/diff",
        versions.AcquiredDiffView.as_view(),
        name="acquisition-diff",
    ),
    path(
        "marketplace/acquired/<str:acquisition_id>/render",
        versions.AcquiredRenderView.as_view(),
        name="acquisition-render",
    ),
    path(
        "marketplace/acquired/<str:acquisition_id>",
        views.AcquiredDetailView.as_view(),
        name="acquisition-detail",
    ),
    path(
        "marketplace/<str:listing_id>/acquire", views.AcquireView.as_view(), name="listing-acquire"
    ),
    path(
        "marketplace/<str:listing_id>/versions",
        versions.ListingVersionsView.as_view(),
        name="listing-versions",
    ),
    path(
        "marketplace/<str:listing_id>/versions/<str:number>",
        versions.ListingVersionDetailView.as_view(),
        name="listing-version-detail",
    ),
    path(
        "marketplace/<str:listing_id>/diff", versions.ListingDiffView.as_view(), name="listing-diff"
    ),
    path(
        "marketplace/<str:listing_id>/usage",
        versions.ListingUsageView.as_view(),
        name="listing-usage",
    ),
    path("marketplace/<str:listing_id>/report", views.ReportView.as_view(), name="listing-report"),
    path("marketplace/<str:listing_id>", views.ListingDetailView.as_view(), name="listing-detail"),
]
