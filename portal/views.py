"""Site-shell views: health checks, the rate-limit page and the signed-in user's inbox."""

import logging

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


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    cache.set("health:ping", "pong", 10)
    if cache.get("health:ping") != "pong":
        raise RuntimeError("cache did not return the value it was given")


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded default: tasks run in-process, there is no broker
    from portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
def health_ready(request):
    """Readiness: the database, the cache and the broker all answer."""
    checks = {}
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; say which part failed
            logger.warning("readiness check %s failed: %s", name, exc)
            checks[name] = "error"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


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
