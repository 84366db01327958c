from django.urls import path

from portal.db_router import replica_reads

from . import api, api_officials

urlpatterns = [
    path("dossiers/", api.DossierListCreateApi.as_view(), name="api-dossiers"),
    path("dossiers/<str:code>/", api.DossierDetailApi.as_view(), name="api-dossier-detail"),
    path("dossiers/<str:code>/withdraw/", api.DossierWithdrawApi.as_view(), name="api-dossier-withdraw"),
    path("dossiers/<str:code>/rate/", api.DossierRateApi.as_view(), name="api-dossier-rate"),
    path("lookup/<str:code>/", replica_reads(api.LookupApi.as_view()), name="api-dossier-lookup"),
    # Officials and systems (service accounts).
    path("queue/", api_officials.QueueApi.as_view(), name="api-queue"),
    path("queue/<str:code>/", api_officials.QueueDossierApi.as_view(), name="api-queue-dossier"),
    path(
        "queue/<str:code>/actions/<str:action>/",
        api_officials.QueueDossierActionApi.as_view(),
        name="api-queue-dossier-action",
    ),
]
