from django.urls import path

from portal.db_router import replica_reads

from . import api

urlpatterns = [
    path("services/", replica_reads(api.ProcedureListApi.as_view()), name="api-services-list"),
    path("services/<str:code>/", replica_reads(api.ProcedureDetailApi.as_view()), name="api-services-detail"),
]
