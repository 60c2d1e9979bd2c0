from django.urls import path

from bulkjobs.api import views

urlpatterns = [
    path("bulk-jobs/<str:job_id>", views.BulkJobDetailView.as_view(), name="bulk-job-detail"),
]
