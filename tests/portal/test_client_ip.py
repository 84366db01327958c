"""portal.client_ip: X-Forwarded-For is believed only through TRUSTED_PROXIES."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from portal.client_ip import UNKNOWN, client_ip, trusted_proxies_validate

PROXY = "10.0.0.1"


def _ip(remote_addr: str, forwarded_for: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client_ip(RequestFactory().get("/", **extra))


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    return settings


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert _ip("203.0.113.5", "198.51.100.7") == "203.0.113.5"


def test_trusted_proxy_forwards_the_client(behind_proxy):
    assert _ip(PROXY, "198.51.100.7") == "198.51.100.7"


def test_trusted_proxy_without_the_header_is_the_client(behind_proxy):
    assert _ip(PROXY) == PROXY
    assert _ip(PROXY, "") == PROXY


def test_untrusted_peer_cannot_choose_its_address(behind_proxy):
    assert _ip("203.0.113.5", "198.51.100.7") == "203.0.113.5"


def test_address_a_client_prepends_through_the_proxy_is_ignored(behind_proxy):
    # nginx appends the peer it saw to whatever the client sent.
    assert _ip(PROXY, "1.2.3.4, 198.51.100.7") == "198.51.100.7"
    assert _ip(PROXY, f"1.2.3.4, {PROXY}, 198.51.100.7") == "198.51.100.7"


def test_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.5.1"]
    assert _ip("10.0.0.2", "1.2.3.4, 198.51.100.7, 192.168.5.1, 10.9.9.9") == "198.51.100.7"


def test_all_hops_trusted_gives_the_farthest(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip("10.0.0.2", "10.0.0.4, 10.0.0.3") == "10.0.0.4"


def test_ipv6_proxies_and_clients(settings):
    settings.TRUSTED_PROXIES = ["::1/128", "fd00::/8"]
    assert _ip("::1", "2001:db8::5") == "2001:db8::5"
    assert _ip("::1", "[2001:db8::5]:4711, fd00::2") == "2001:db8::5"
    assert _ip("::1", "2001:0db8:0000::0005") == "2001:db8::5"
    assert _ip("2001:db8::66", "198.51.100.7") == "2001:db8::66"


def test_ipv4_with_port_and_ipv4_mapped_peer(behind_proxy):
    assert _ip(PROXY, "198.51.100.7:51000") == "198.51.100.7"
    # A dual-stack socket reports the proxy as ::ffff:10.0.0.1: still the trusted proxy.
    assert _ip(f"::ffff:{PROXY}", "198.51.100.7") == "198.51.100.7"


def test_malformed_entries_stop_the_walk_at_the_last_trusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip("10.0.0.2", "198.51.100.7, not-an-ip, 10.0.0.3") == "10.0.0.3"
    assert _ip("10.0.0.2", "198.51.100.7,,") == "10.0.0.2"
    assert _ip("10.0.0.2", "198.51.100.7, 999.1.1.1") == "10.0.0.2"
    assert _ip("10.0.0.2", "unknown") == "10.0.0.2"


def test_unix_socket_peer(settings):
    settings.TRUSTED_PROXIES = []
    assert _ip("", "198.51.100.7") == UNKNOWN
    settings.TRUSTED_PROXIES = ["unix"]
    assert _ip("", "198.51.100.7") == "198.51.100.7"
    assert _ip("") == UNKNOWN


def test_malformed_setting_is_refused():
    with pytest.raises(ImproperlyConfigured, match=r"'10\.0\.0\.300/8' is not an IP address or CIDR"):
        trusted_proxies_validate(["127.0.0.1", "10.0.0.300/8"])
