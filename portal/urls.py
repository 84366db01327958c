"""Root URL configuration. Each app mounts its own pages and API routes here."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

api_v1 = [
    path("", include("catalog.api_urls")),
    path("", include("identity.api_urls")),
    path("", include("dossiers.api_urls")),
    path("", include("payments.api_urls")),
]

urlpatterns = [
    path("health/", views.health, name="health"),
    path("health/ready/", views.health_ready, name="health-ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("tai-khoan/", include("identity.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("kiem-tra-van-ban/", include("portal.signing.urls")),
    path("hop-thu/", views.inbox, name="inbox"),
    path("dia-gioi/tinh/<str:code>/xa/", views.wards_of_province, name="wards-of-province"),
    path("hop-thu/<int:pk>/da-doc/", views.inbox_mark_read, name="inbox-mark-read"),
    path("hop-thu/da-doc-tat-ca/", views.inbox_mark_all_read, name="inbox-mark-all-read"),
    path("payments/", include("payments.urls")),
    path("ho-so/", include("dossiers.urls")),
    path("thong-ke/", include("dossiers.stats_urls")),
    path("", include("catalog.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns += [path("sandbox/", include("identity.sandbox_urls"))]
    from payments.sandbox_urls import momo_patterns, vnpay_patterns

    urlpatterns += [path("sandbox/vnpay/", include(vnpay_patterns)), path("sandbox/momo/", include(momo_patterns))]
    urlpatterns += [path("sandbox/sms/", include("portal.sandbox_sms"))]
    urlpatterns += [path("sandbox/mail/", include("portal.sandbox_mail"))]
    urlpatterns += [path("sandbox/dvcqg/", include("integrations.sandbox"))]
    from portal.signing import remote_sandbox, tsa

    urlpatterns += [
        path("sandbox/tsa/", tsa.sandbox_tsa, name="sandbox-tsa"),
        path("sandbox/signing/certificates", remote_sandbox.certificates, name="sandbox-signing-certificates"),
        path("sandbox/signing/sign", remote_sandbox.sign, name="sandbox-signing-sign"),
    ]

if getattr(settings, "BENCH_ENABLED", False):  # bench/settings.py only (`make bench`)
    from bench.views import ApiFloor, WriteFloor, baseline

    urlpatterns = [
        path("bench/baseline/", baseline),
        path("bench/api-floor/", ApiFloor.as_view()),
        path("bench/write-floor/", WriteFloor.as_view()),
        *urlpatterns,
    ]
