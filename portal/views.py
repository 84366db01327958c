"""Site-shell views: health checks, the rate-limit page and the signed-in user's inbox."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

logger = logging.getLogger(__name__)


@never_cache
def health(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def _check_database() -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _check_cache() -> dict | None:
    from .cache import cache_failsoft_stats

    ping = getattr(cache, "ping", None)
    if ping is not None:  # FailSoftRedisCache: ask Redis itself, past the fail-soft layer
        try:
            ping()
        except Exception as exc:
            exc.details = {"failsoft": cache_failsoft_stats()}
            raise
        return {"failsoft": cache_failsoft_stats()}
    cache.set("health:ping", "pong", 10)
    if cache.get("health:ping") != "pong":
        raise RuntimeError("cache did not return the value it was given")
    return None


def _check_broker() -> dict | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None  # embedded default: tasks run in-process, there is no broker
    from portal.celery import app

    # One attempt within the connect timeout: a probe must answer within a second.
    timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    with app.connection_for_write(connect_timeout=timeout, transport_options=options) as conn:
        conn.ensure_connection(max_retries=0)
    return None


# The site serves without its cache and its broker (misses; outbox rows published later), so
# only the database decides readiness; the others are reported as "degraded".
READINESS_REQUIRED = ("database",)


@never_cache
def health_ready(request):
    """Readiness: each part's status and time in ms; 503 when the database fails (or, with
    `?strict=1`, any part), 200 "degraded" when only the cache or the broker does."""
    checks, components = {}, {}
    started = time.monotonic()
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        t0 = time.monotonic()
        try:
            extra = check()
            checks[name] = "ok"
            components[name] = {"status": "ok", **(extra or {})}
        except Exception as exc:  # any failure means "not ready"; say which part failed
            logger.warning("readiness check %s failed: %s", name, exc)
            checks[name] = "error"
            components[name] = {"status": "error", "error": type(exc).__name__, **getattr(exc, "details", {})}
        components[name]["ms"] = round((time.monotonic() - t0) * 1000, 1)
    failing = [name for name, value in checks.items() if value != "ok"]
    required = set(checks) if request.GET.get("strict") else set(READINESS_REQUIRED)
    if not failing:
        status, code = "ok", 200
    elif required.intersection(failing):
        status, code = "unavailable", 503
    else:
        status, code = "degraded", 200
    body = {
        "status": status,
        "failing": failing,
        "checks": checks,
        "components": components,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JsonResponse(body, status=code)


def ratelimited(request, exception=None):
    return render(request, "429.html", status=429)


# --- Inbox (hộp thư) --------------------------------------------------------------------------


@login_required
def inbox(request):
    """The signed-in user's notifications inside the portal."""
    from .notifications import inbox_for

    page = Paginator(inbox_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "portal/inbox.html", {"page_obj": page, "notifications": page.object_list})


@login_required
@require_POST
def inbox_mark_read(request, pk: int):
    from .notifications import notification_mark_read

    notification = notification_mark_read(user=request.user, notification_id=pk)
    if notification is None:
        raise Http404
    if (
        request.POST.get("open")
        and notification.url
        and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts=_own_hosts(request), require_https=request.is_secure()
        )
    ):
        return redirect(notification.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_mark_all_read(request):
    from .notifications import notifications_mark_all_read

    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All messages are marked as read."))
    return redirect("inbox")


def _own_hosts(request) -> set[str]:
    from urllib.parse import urlparse

    hosts = {request.get_host()}
    site_host = urlparse(settings.SITE_URL).netloc
    if site_host:
        hosts.add(site_host)
    return hosts


def wards_of_province(request, code: str):
    """The communes / wards of one province (JSON), for the address fields' province → commune
    list. Public data; an unknown province has none."""
    from .admin_units import wards

    rows = []
    if code.isascii() and code.isdigit() and len(code) <= 9:
        rows = [{"code": w.code, "name": w.name} for w in wards(province_id=int(code))]
    placeholder = _("— Commune / ward —") if rows else _("— Choose the province first —")
    response = JsonResponse({"placeholder": placeholder, "wards": rows})
    response["Cache-Control"] = "public, max-age=3600"
    return response
