import socket
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.core.cache import cache

from identity import hooks
from identity.demo import DEMO_TOTP_SECRET


@pytest.fixture(autouse=True)
def _clean_cache_and_hooks():
    cache.clear()
    saved = (list(hooks.document_access_checkers), list(hooks.open_dossier_checkers))
    hooks.document_access_checkers.clear()
    hooks.open_dossier_checkers.clear()
    yield
    hooks.document_access_checkers[:] = saved[0]
    hooks.open_dossier_checkers[:] = saved[1]
    cache.clear()


@pytest.fixture
def sandbox_urls(live_server, settings):
    """Point the e-ID client and the registry client at the sandboxes of the live server."""
    settings.SITE_URL = live_server.url
    settings.EID_ISSUER = f"{live_server.url}/sandbox/eid"
    settings.REGISTRY_URL = f"{live_server.url}/sandbox/registry"
    return live_server.url


@pytest.fixture
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def with_totp(user):
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt(DEMO_TOTP_SECRET)}}
    )
    return user


def admin_client(client, user):
    """A client logged in as a staff user who passed the TOTP step in this session."""
    with_totp(user)
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session.save()
    return client
