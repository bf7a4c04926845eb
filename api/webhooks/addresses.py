"""Where a webhook may be sent: public addresses only (server-side request forgery).

A receiver URL is checked when a subscription is written and again before every
attempt, against every address its host resolves to at that moment (a name that
resolved to a public address yesterday may point at 127.0.0.1 today: DNS
rebinding). The attempt then connects to the very address that was checked, not
to a second resolution (see ``api.webhooks.sending``).

Refused: loopback, private (RFC 1918, ULA), link-local, shared (CGNAT),
multicast, reserved, unspecified and documentation ranges, in IPv4 and IPv6, and
IPv4 addresses carried inside IPv6 (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64).
The standard library's ``ipaddress`` knows the ranges (``is_global`` follows the
IANA special-purpose registries); ``WEBHOOKS_ALLOW_PRIVATE`` lists networks that
are allowed all the same (a receiver on the same machine or network).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = ("https", "http")
#: NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): the IPv4 address is the last 32 bits.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


class RefusedAddress(ValueError):
    """The URL may not receive webhooks; the message says why (shown to the caller)."""


@dataclass(frozen=True)
class Target:
    """A checked receiver: where to connect, and the names to present there."""

    scheme: str
    host: str  # as in the URL (a name, or an address)
    port: int
    address: IPAddress  # the checked address to connect to
    path: str  # path and query, as given

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        address = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{address}:{self.port}{self.path}"


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo client, NAT64)."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOKS_ALLOW_PRIVATE]


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` (and any IPv4 address it carries) is a public unicast address."""
    for candidate in (address, embedded_ipv4(address)):
        if candidate is None:
            continue
        if (
            not candidate.is_global
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_loopback
            or candidate.is_link_local
            or candidate.is_private
            or candidate.is_unspecified
        ):
            return False
    return True


def is_allowed(address: IPAddress) -> bool:
    """Public, or within a network of ``WEBHOOKS_ALLOW_PRIVATE``."""
    if is_public(address):
        return True
    networks = _allowed_networks()
    inner = embedded_ipv4(address)
    return any(
        a in n
        for n in networks
        for a in (address, inner)
        if a is not None and a.version == n.version
    )


def parse(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path)`` of a receiver URL, else ``RefusedAddress``."""
    if not isinstance(url, str) or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise RefusedAddress(_("Give an http or https URL (no spaces or control characters)."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedAddress(_("Give an http or https URL.")) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        raise RefusedAddress(_("Give an http or https URL."))
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress(
            _("Give a URL without a user name or password: the signature authenticates us.")
        )
    if port == 0:
        raise RefusedAddress(_("Give an http or https URL."))
    if parts.fragment:
        raise RefusedAddress(_("Give a URL without a fragment (#...)."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


#: A DNS label (after IDNA encoding): letters, digits and inner hyphens, 63 at most.
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")


def _valid_host_name(host: str) -> bool:
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_host.removesuffix(".").split(".")
    return len(ascii_host) <= 253 and all(_LABEL.match(label) for label in labels)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to now (an address literal is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    if not _valid_host_name(host):
        raise RefusedAddress(_("Give a valid host name or address."))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedAddress(_("The host name does not resolve.")) from None
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise RefusedAddress(_("The host name does not resolve."))
    return found


def check(url: str) -> Target:
    """The receiver to connect to, if every address of its host is allowed."""
    scheme, host, port, path = parse(url)
    addresses = resolve(host, port)
    refused = [a for a in addresses if not is_allowed(a)]
    if refused:
        raise RefusedAddress(
            _(
                "Webhooks are not sent to loopback, private, link-local or reserved "
                "addresses (%(address)s)."
            )
            % {"address": refused[0]}
        )
    return Target(scheme, host, port, addresses[0], path)
