from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.search, name="search"),
    path("thu-tuc/<str:code>/", views.procedure, name="procedure"),
    path("thu-tuc/<str:code>/mau/<slug:key>/", views.document_template, name="document_template"),
]
