from django.urls import path

from . import api

urlpatterns = [
    path("services/", api.ProcedureListApi.as_view(), name="api-services-list"),
    path("services/<str:code>/", api.ProcedureDetailApi.as_view(), name="api-services-detail"),
]
