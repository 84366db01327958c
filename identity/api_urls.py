from django.urls import path

from . import api

urlpatterns = [
    path("documents/", api.PersonalDocumentListCreateApi.as_view(), name="api-documents"),
]
