from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("vnpay/return/", views.vnpay_return, name="vnpay-return"),
    path("vnpay/ipn/", views.vnpay_ipn, name="vnpay-ipn"),
    path("momo/return/", views.momo_return, name="momo-return"),
    path("momo/ipn/", views.momo_ipn, name="momo-ipn"),
    path("dossiers/<str:code>/start/", views.payment_start, name="start"),
    path("receipts/<int:payment_id>/", views.receipt_download, name="receipt-download"),
    path("receipts/check/<str:number>/", views.receipt_check, name="receipt-check"),
    path("counter/", views.counter_desk, name="counter"),
]
