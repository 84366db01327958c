from django.urls import path

from .api import DossierPaymentStartApi

urlpatterns = [
    path("dossiers/<str:code>/payments/", DossierPaymentStartApi.as_view(), name="api-dossier-payment-start"),
]
