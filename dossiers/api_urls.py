from django.urls import path

from portal.db_router import replica_reads

from . import api

urlpatterns = [
    path("dossiers/", api.DossierListCreateApi.as_view(), name="api-dossiers"),
    path("dossiers/<str:code>/", api.DossierDetailApi.as_view(), name="api-dossier-detail"),
    path("lookup/<str:code>/", replica_reads(api.LookupApi.as_view()), name="api-dossier-lookup"),
]
