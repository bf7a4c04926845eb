from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api import schema  # noqa: F401 - registers the OpenAPI extensions
        from api.analysis.charters import validate_values
        from registry.services.charters import install_values_validator

        # registry may not import graph: the renewal engine judges charter values from here.
        install_values_validator(validate_values)
