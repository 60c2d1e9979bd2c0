from django.urls import path

from marketplace.api import views

urlpatterns = [
    path("marketplace/publish", views.PublishView.as_view(), name="marketplace-publish"),
    path("marketplace/unpublish", views.UnpublishItemView.as_view(), name="marketplace-unpublish"),
    path("marketplace/my-published", views.MyPublishedView.as_view(), name="marketplace-my"),
    path("marketplace/<str:listing_id>", views.ListingManageView.as_view(), name="listing-manage"),
]
