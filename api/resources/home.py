"""The landing page at ``/``: what the service is, and where to go from there."""

from __future__ import annotations

from django.urls import reverse
from django.views.generic import TemplateView

#: The pages the landing page links, by URL name.
LINKS: dict[str, str] = {
    "explorer": "explorer",
    "docs": "swagger-ui",
    "redoc": "redoc",
    "schema": "schema",
    "admin": "admin:index",
}


class HomeView(TemplateView):
    """A plain page, in English or French after Accept-Language (LocaleMiddleware)."""

    template_name = "api/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["links"] = {key: reverse(target) for key, target in LINKS.items()}
        return context
