from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("cua-toi/", views.mine, name="mine"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("nop/<str:code>/", views.file_start, name="file"),
    path("nop-thay/<str:code>/", views.file_on_behalf, name="file_on_behalf"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/buoc/<slug:step>/", views.step, name="step"),
    path("<int:pk>/xoa/", views.draft_delete, name="draft_delete"),
    path("<int:pk>/rut/", views.withdraw, name="withdraw"),
    path("<int:pk>/bo-sung/", views.supplement, name="supplement"),
    path("<int:pk>/danh-gia/", views.rate, name="rate"),
    path("<int:pk>/tep/<int:file_id>/", views.file_download, name="file_download"),
    path("<int:pk>/giay-to/<int:doc_id>/", views.issued_download, name="issued_download"),
    path("<int:pk>/to-khai.pdf", views.declaration_download, name="declaration_pdf"),
]
