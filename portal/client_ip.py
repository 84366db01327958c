"""The client's IP address: the peer itself, or the address a trusted reverse proxy forwarded.

Behind nginx every request comes from the proxy and the person's address is in X-Forwarded-For,
a header anyone can also send. A hop in it is believed only when whoever wrote it is inside
TRUSTED_PROXIES, so per-IP limits, VNPay's vnp_IpAddr and the audit trail see the real client and a
forged header changes nothing. Every place that needs a client's address calls `client_ip`.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# The address given when the peer has none (a Unix socket not listed in TRUSTED_PROXIES).
UNKNOWN = "0.0.0.0"  # noqa: S104 -- a value recorded, never bound to


@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> tuple[tuple, bool]:
    """(networks, unix): TRUSTED_PROXIES parsed; `unix` trusts a peer without an IP address."""
    networks = []
    unix = False
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        if entry.lower() == "unix":
            unix = True
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range") from exc
    return tuple(networks), unix


def trusted_proxies_validate(entries) -> None:
    """Refuse a malformed TRUSTED_PROXIES at start-up instead of at the first request."""
    _trusted_networks(tuple(entries))


def _parse(value: str) -> Address | None:
    """One address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
        return address.ipv4_mapped
    return address


def _trusted(address: Address | None) -> bool:
    networks, unix = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if address is None:
        return unix
    return any(address in network for network in networks)


def peer_is_trusted_proxy(request) -> bool:
    """Whether the direct peer of this request is one of TRUSTED_PROXIES."""
    return _trusted(_parse(request.META.get("REMOTE_ADDR") or ""))


def client_ip(request) -> str:
    """The address of the client who made `request`.

    Starting from the peer (REMOTE_ADDR), X-Forwarded-For is walked right to left while the hop
    that wrote the next entry is a trusted proxy; the first untrusted address is the client. A
    peer outside TRUSTED_PROXIES is the client itself and its X-Forwarded-For is ignored. A
    malformed entry ends the walk at the last trusted hop (the chain cannot be followed past it).
    """
    current = _parse(request.META.get("REMOTE_ADDR") or "")
    if _trusted(current):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        for hop in reversed(forwarded.split(",") if forwarded else []):
            address = _parse(hop)
            if address is None:
                break
            current = address
            if not _trusted(address):
                break
    return str(current) if current is not None else UNKNOWN
