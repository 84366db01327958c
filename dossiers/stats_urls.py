from django.urls import path

from . import stats_views

app_name = "statistics"

urlpatterns = [path("", stats_views.public_statistics, name="public")]
