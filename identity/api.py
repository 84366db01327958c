"""The citizen's personal document store over the API: upload (multipart/form-data) with the
same form, content checks and limits as the page (identity.views.documents), and list."""

from django.core.exceptions import ValidationError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from portal.api import MultiPartParser
from portal.idempotency import idempotent

from . import services
from .forms import PersonalDocumentForm
from .selectors import personal_documents_of
from .service_accounts import is_service_token


class NotServiceAccount(BasePermission):
    def has_permission(self, request, view):
        return not is_service_token(request.auth)


class PersonalDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    doc_type = serializers.CharField()
    title = serializers.CharField()
    number = serializers.CharField(allow_blank=True)
    issuer = serializers.CharField(allow_blank=True)
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    content_type = serializers.CharField(allow_blank=True)
    size = serializers.IntegerField()
    verified = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class PersonalDocumentUploadSerializer(serializers.Serializer):
    doc_type = serializers.ChoiceField(choices=PersonalDocumentForm.DOC_TYPES)
    title = serializers.CharField(max_length=255)
    upload = serializers.FileField(help_text="PDF, JPEG or PNG; the limits of the document store page")
    number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    issuer = serializers.CharField(required=False, allow_blank=True, max_length=255)
    issued_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class PersonalDocumentListCreateApi(GenericAPIView):
    permission_classes = [IsAuthenticated, NotServiceAccount]
    serializer_class = PersonalDocumentSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return personal_documents_of(self.request.user).order_by("-created_at", "-id")

    @extend_schema(responses=PersonalDocumentSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PersonalDocumentSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": PersonalDocumentUploadSerializer},
        responses={201: PersonalDocumentSerializer},
    )
    @idempotent
    def post(self, request):
        form = PersonalDocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            return Response(_field_errors(form), status=status.HTTP_400_BAD_REQUEST)
        data = form.cleaned_data
        try:
            document = services.personal_document_add(
                owner=request.user,
                doc_type=data["doc_type"],
                title=data["title"],
                upload=data["upload"],
                number=data["number"],
                issuer=data["issuer"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
            )
        except ValidationError as exc:
            return Response({"upload": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(PersonalDocumentSerializer(document).data, status=status.HTTP_201_CREATED)


def _field_errors(form) -> dict:
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    """The service accounts' bearer tokens in the schema (identity.authentication)."""

    target_class = "identity.authentication.ServiceTokenAuthentication"
    name = "serviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A service account's token `svc_…` (scopes: queue:read, dossiers:act, results:publish)",
        }
