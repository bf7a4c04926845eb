"""Attach the request to every change recorded while serving it."""

import uuid

from registry.tracking import change_context

#: The header that carries the request id both ways (declared in the API schema by
#: ``api.headers``), and the longest id kept from a proxy's.
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_MAX_LENGTH = 64


def request_id_of(request) -> str:
    """The request's id: from ``X-Request-ID`` when a proxy sets one, else a fresh UUID.

    Kept on the request, so that whoever asks first (this middleware, or a problem
    answered before it ran) fixes the id the response echoes.
    """
    request_id = getattr(request, "request_id", "")
    if not request_id:
        given = (request.headers.get(REQUEST_ID_HEADER) or "")[:REQUEST_ID_MAX_LENGTH]
        request_id = given or uuid.uuid4().hex
        request.request_id = request_id
    return request_id


class ChangeContextMiddleware:
    """Sets the change context (request, request id) for the duration of a request.

    The request id comes from ``X-Request-ID`` when a proxy sets one, else a
    fresh UUID; it is echoed back so a client can quote it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_of(request)
        via = "admin" if request.path.startswith("/admin/") else "api"
        with change_context(request=request, request_id=request_id, via=via):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
