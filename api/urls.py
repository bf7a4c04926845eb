"""URL configuration: the admin now, the REST API under /api/ as it lands."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
