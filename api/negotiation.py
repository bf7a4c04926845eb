"""Content negotiation: DRF's, with an unknown ``?format=`` a bad query parameter.

Its own module: ``REST_FRAMEWORK`` settings import it while DRF's views load, before
``api.problems`` (which imports them) can be.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class FormatParameterNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with an unknown ``?format=`` a 400 naming the parameter.

    DRF answers 404 to a format no renderer has; it is a bad query parameter like any
    other (``invalid-input``, ``parameter: format``), and the URL does exist.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            name = self.settings.URL_FORMAT_OVERRIDE
            if format_suffix or not name or not request.query_params.get(name):
                raise
            formats = ", ".join(sorted({r.format for r in renderers if r.format}))
            message = gettext("Give one of: %(formats)s.") % {"formats": formats}
            raise exceptions.ValidationError({name: [message]}) from None
