"""A database that goes away answers 503 under /api/, never a 500 or a debug page."""

from __future__ import annotations

from api.problems import is_db_unavailable, service_unavailable


class DatabaseUnavailableMiddleware:
    """Turns a lost or refused database connection in any /api/ view into a 503 problem.

    DRF views get the same answer from the exception handler (api.problems); this
    covers plain Django views, in DEBUG too (where ``handler500`` is not called).
    Errors raised by other middleware reach ``handler500``, which does the same. Only a
    lost or refused connection or a locked database is a 503 (``is_db_unavailable``):
    any other database error is a bug, a 500 that clients do not retry.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/") and is_db_unavailable(exception):
            return service_unavailable(request, exception)
        return None
