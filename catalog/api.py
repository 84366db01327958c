"""Public catalog API (read-only, anonymous): list/search and one procedure by its code."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from .catalog_cache import catalog_cached
from .models import Agency, OnlineLevel
from .selectors import procedure_version_current, version_search_ids, versions_by_ids
from .serializers import ProcedureDetailSerializer, ProcedureListSerializer


class CatalogPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema(
    tags=["services"],
    summary="Search published procedures",
    description="Diacritics and case are ignored: `khai sinh`, `KHAI SINH` and `khai sính` all find "
    "“Đăng ký khai sinh”, ranked first. Drafts never appear.",
    parameters=[
        OpenApiParameter("search", OpenApiTypes.STR, description="words to look for (name, code, description)"),
        OpenApiParameter("field", OpenApiTypes.STR, description="field code, e.g. ho-tich"),
        OpenApiParameter("agency", OpenApiTypes.STR, description="agency unit code (or id)"),
        OpenApiParameter("level", OpenApiTypes.STR, enum=Agency.Level.values),
        OpenApiParameter("online_level", OpenApiTypes.STR, enum=OnlineLevel.values),
    ],
)
class ProcedureListApi(generics.ListAPIView):
    serializer_class = ProcedureListSerializer
    permission_classes = [AllowAny]
    pagination_class = CatalogPagination

    def list(self, request, *args, **kwargs):
        # The whole page is cached per catalog generation and request (host and query string):
        # a hit costs no SQL; a miss scans once (ids cached too) and loads one page of rows by id.
        def compute():
            params = request.query_params
            ids = version_search_ids(
                q=params.get("search", ""),
                field=params.get("field", ""),
                agency=params.get("agency", ""),
                level=params.get("level", ""),
                online_level=params.get("online_level", ""),
            )
            page_ids = self.paginate_queryset(ids)
            data = self.get_serializer(versions_by_ids(page_ids), many=True).data
            return self.get_paginated_response(data).data

        return Response(catalog_cached("api-list", (request.get_host(), request.get_full_path()), compute))


@extend_schema(
    tags=["services"],
    summary="One published procedure",
    description="The current published version with required documents, fees and the e-form schema.",
)
class ProcedureDetailApi(generics.RetrieveAPIView):
    serializer_class = ProcedureDetailSerializer
    permission_classes = [AllowAny]
    lookup_url_kwarg = "code"

    def get_object(self):
        version = procedure_version_current(self.kwargs["code"])
        if version is None:
            raise Http404
        return version
