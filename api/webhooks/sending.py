"""One delivery attempt: an HTTP POST to the checked address, bounded, no redirect followed.

HTTP client: httpx (maintained, timeouts per phase, and an ``sni_hostname``
extension that lets us connect to the address ``addresses.check`` approved while
TLS still verifies the certificate of the host name in the URL). Redirects are not
followed (a 3xx is a failed attempt: a redirect could point anywhere), proxies
from the environment are ignored, the answer's body is never read.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from django.conf import settings

from api.webhooks import addresses


@dataclass(frozen=True)
class Outcome:
    """What an attempt got: an HTTP status, or an error (no answer, a refused address)."""

    status_code: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, *, headers: dict[str, str], body: str) -> Outcome:
    try:
        target = addresses.check(url)  # again now: the name may point elsewhere today
    except addresses.RefusedAddress as exc:
        return Outcome(error=str(exc)[:300])
    timeout = httpx.Timeout(settings.WEBHOOKS_TIMEOUT_SECONDS)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST",
                target.pinned_url,
                content=body.encode(),
                headers={**headers, "host": target.host_header},
                extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
            ) as response,
        ):
            status = response.status_code
    except httpx.HTTPError as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}"[:300])
    if 200 <= status < 300:
        return Outcome(status)
    return Outcome(status, f"HTTP {status}")
