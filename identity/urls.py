"""Citizen account pages, mounted at /tai-khoan/."""

from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("cccd-qr/", views.cccd_qr, name="cccd-qr"),
    path("mrz/", views.mrz, name="mrz"),
    path("xac-minh/dan-cu/", views.registry_check, name="registry-check"),
    path("xac-minh/truc-tiep/", views.request_in_person, name="request-in-person"),
    path("giay-to/", views.documents, name="documents"),
    path("giay-to/<int:pk>/tep/", views.document_file, name="document-file"),
    path("giay-to/<int:pk>/xoa/", views.document_delete, name="document-delete"),
    path("quyen-rieng-tu/", views.privacy, name="privacy"),
    path("quyen-rieng-tu/tai-du-lieu/", views.privacy_export, name="privacy-export"),
    path("vneid/", views.eid_start, name="eid-start"),
    path("vneid/callback/", views.eid_callback, name="eid-callback"),
]
