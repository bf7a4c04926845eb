"""Attach the request to every change recorded while serving it."""

import uuid

from registry.tracking import change_context


class ChangeContextMiddleware:
    """Sets the change context (request, request id) for the duration of a request.

    The request id comes from ``X-Request-ID`` when a proxy sets one, else a
    fresh UUID; it is echoed back so a client can quote it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = (request.headers.get("X-Request-ID") or "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        via = "admin" if request.path.startswith("/admin/") else "api"
        with change_context(request=request, request_id=request_id, via=via):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
