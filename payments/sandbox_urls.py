"""Sandbox gateway routes, mounted by portal/urls.py only when settings.SANDBOX_ENABLED."""

from django.urls import path

from . import sandbox

vnpay_patterns = (
    [
        path("paymentv2/vpcpay.html", sandbox.vnpay_pay, name="pay"),
        path("paymentv2/confirm/<str:token>/", sandbox.vnpay_confirm, name="confirm"),
        path("merchant_webapi/api/transaction", sandbox.vnpay_api, name="api"),
    ],
    "sandbox-vnpay",
)
momo_patterns = (
    [
        path("v2/gateway/api/create", sandbox.momo_create, name="create"),
        path("v2/gateway/api/query", sandbox.momo_query, name="query"),
        path("v2/gateway/api/refund", sandbox.momo_refund, name="refund"),
        path("pay/<str:token>/", sandbox.momo_pay, name="pay"),
    ],
    "sandbox-momo",
)
