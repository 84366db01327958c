"""The dossier API: a citizen's own dossiers (create and submit, list, read) and the public lookup."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response

from identity.service_accounts import is_service_token
from portal.api import BoundOnceSerializer
from portal.idempotency import idempotent
from portal.throttling import ScopedRateThrottle

from . import selectors, services
from .lifecycle import DRAFT_STATUSES, actions_available
from .models import CITIZEN_EVENTS
from .services import DossierActionError

# The largest row id a database column holds: a bigger number names no row (and would not fit a query).
ROW_ID_MAX = 2**63 - 1


class TextField(serializers.CharField):
    """Text, and only text: a number or a list is refused rather than turned into a string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSerializer(BoundOnceSerializer):
    """Refuses keys it does not declare, instead of dropping them silently."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self._declared_fields)
            if unknown:
                raise serializers.ValidationError(
                    {key: [_("Unknown field: not accepted here.")] for key in unknown}, code="unknown"
                )
        return super().to_internal_value(data)


class DossierEventSerializer(BoundOnceSerializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)


class DossierOutputSerializer(BoundOnceSerializer):
    code = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="status_label")
    procedure_code = serializers.CharField(source="procedure_version.code")
    procedure_name = serializers.CharField(source="procedure_version.name")
    agency = serializers.CharField(source="agency.name")
    channel = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    legal_due_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    form_data = serializers.JSONField()


class DossierActionSerializer(BoundOnceSerializer):
    name = serializers.CharField()
    label = serializers.CharField()
    destructive = serializers.BooleanField()


class DossierDetailSerializer(DossierOutputSerializer):
    events = serializers.SerializerMethodField()
    parts = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    def get_actions(self, obj) -> list[dict]:
        """What the person asking may do now (the lifecycle table; the pages offer the same)."""
        user = self.context.get("user")
        if user is None:
            return []
        return DossierActionSerializer(actions_available(user=user, dossier=obj), many=True).data

    def get_events(self, obj) -> list[dict]:
        # The citizen's timeline: no internal steps (who took or was given the dossier).
        events = [e for e in obj.events.all() if e.action in CITIZEN_EVENTS]
        return DossierEventSerializer(events, many=True).data

    def get_parts(self, obj) -> list[dict]:
        if not obj.snapshot.get("is_bundle"):
            return []  # only a bundle has parts
        return DossierOutputSerializer(obj.parts.select_related("procedure_version", "agency"), many=True).data


class DocumentRefSerializer(StrictSerializer):
    key = TextField(max_length=100)
    personal_document = serializers.IntegerField(min_value=1, max_value=ROW_ID_MAX)


class ApplicantInputSerializer(StrictSerializer):
    """Changes to the applicant data of the profile. Only their types are checked here: the
    rules are those of the filing form's applicant step (`services.applicant_clean`)."""

    full_name = TextField(required=False, allow_blank=True)
    personal_id = TextField(required=False, allow_blank=True)
    date_of_birth = TextField(required=False, allow_blank=True, help_text="YYYY-MM-DD")
    sex = TextField(required=False, allow_blank=True, help_text="M or F")
    phone = TextField(required=False, allow_blank=True)
    email = TextField(required=False, allow_blank=True)
    address = TextField(required=False, allow_blank=True)


class DossierCreateSerializer(StrictSerializer):
    procedure = TextField(max_length=60, help_text="National procedure code, e.g. 1.001193")
    agency = serializers.IntegerField(
        required=False, min_value=1, max_value=ROW_ID_MAX, help_text="Receiving agency id (default: the first)"
    )
    applicant = ApplicantInputSerializer(required=False, help_text="Changes to the applicant data of the profile")
    form_data = serializers.DictField(
        required=False, default=dict, help_text="Answers to the procedure's e-form, by field name (none without one)"
    )
    documents = DocumentRefSerializer(many=True, required=False, default=list, max_length=50)


class LookupSerializer(BoundOnceSerializer):
    code = serializers.CharField()
    procedure_code = serializers.CharField(source="procedure_version.code")
    procedure_name = serializers.CharField(source="procedure_version.name")
    agency = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="status_label")
    submitted_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)

    def get_agency(self, obj) -> str:
        return (obj.current_agency or obj.agency).name


class IsCitizen(BasePermission):
    """A person's own side of the API: not for service accounts (they act for an agency)."""

    message = _("Service accounts cannot use the citizens' API.")

    def has_permission(self, request, view):
        return not is_service_token(request.auth)


class DossierListCreateApi(GenericAPIView):
    permission_classes = [IsAuthenticated, IsCitizen]
    serializer_class = DossierOutputSerializer

    def get_queryset(self):
        # The caller's own dossiers: those an official filed for others (with their answers) are
        # read one by one, each checked and audited (DossierDetailApi).
        user = self.request.user
        return selectors.dossiers_of_citizen(user).filter(citizen=user).exclude(status__in=DRAFT_STATUSES)

    @extend_schema(responses=DossierOutputSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DossierOutputSerializer(page, many=True).data)

    @extend_schema(request=DossierCreateSerializer, responses={201: DossierDetailSerializer})
    @idempotent
    def post(self, request):
        from catalog.selectors import agency_get
        from identity.selectors import personal_documents_of

        from .views import _procedure_version

        data = DossierCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        version = _procedure_version(payload["procedure"])
        if version is None:
            return Response({"detail": _("Unknown procedure.")}, status=status.HTTP_400_BAD_REQUEST)
        agency = agency_get(id=payload["agency"]) if payload.get("agency") else None
        refs = payload.get("documents") or []
        found = personal_documents_of(request.user).in_bulk([ref["personal_document"] for ref in refs]) if refs else {}
        documents = []
        for ref in refs:
            document = found.get(ref["personal_document"])
            if document is None:  # someone else's is as unknown as one that does not exist
                return Response({"detail": _("Unknown personal document.")}, status=status.HTTP_400_BAD_REQUEST)
            documents.append((ref["key"], document))
        try:
            dossier = services.dossier_file_and_submit(
                citizen=request.user,
                procedure_version=version,
                agency=agency,
                applicant=payload.get("applicant") or None,
                form_data=payload.get("form_data") or {},
                documents=documents,
            )
        except services.DossierLevelRequired as exc:
            return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
        except services.DossierIncomplete as exc:
            return Response({"detail": exc.message, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        except DossierActionError as exc:
            return Response({"detail": exc.message, "errors": {}}, status=status.HTTP_400_BAD_REQUEST)
        return Response(DossierDetailSerializer(dossier).data, status=status.HTTP_201_CREATED)


class DossierDetailApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = DossierDetailSerializer

    def get(self, request, code: str):
        dossier = selectors.dossier_for_owner(user=request.user, code=code)
        if dossier is None:
            raise Http404
        if services.on_behalf_is_filer(dossier, request.user):  # the official who filed it for the citizen
            try:
                services.on_behalf_access_check(dossier=dossier, by=request.user)
            except DossierActionError as exc:
                raise Http404 from exc
            services.on_behalf_audit(dossier=dossier, by=request.user, action="view", detail="API", request=request)
        return Response(DossierDetailSerializer(dossier, context={"user": request.user}).data)


class LookupApi(GenericAPIView):
    """Public status of a dossier by its code. No personal data. Rate-limited (scope `lookup`)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "lookup"
    serializer_class = LookupSerializer

    def get(self, request, code: str):
        dossier = selectors.dossier_lookup(code)
        if dossier is None:
            raise Http404
        return Response(LookupSerializer(dossier).data)


class WithdrawSerializer(StrictSerializer):
    reason = TextField(required=False, allow_blank=True, max_length=2000)


class RateSerializer(StrictSerializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = TextField(required=False, allow_blank=True, max_length=2000)


class RatingSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField(allow_blank=True)


class _CitizenActionApi(GenericAPIView):
    """A citizen's step on their own dossier: 404 if not theirs, 409 if not possible now."""

    permission_classes = [IsAuthenticated, IsCitizen]

    def _dossier(self, request, code):
        dossier = selectors.dossier_for_owner(user=request.user, code=code)
        if dossier is None or dossier.citizen_id != request.user.pk:
            raise Http404
        return dossier


class DossierWithdrawApi(_CitizenActionApi):
    serializer_class = WithdrawSerializer

    @extend_schema(request=WithdrawSerializer, responses={200: DossierDetailSerializer})
    def post(self, request, code: str):
        dossier = self._dossier(request, code)
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            dossier = services.dossier_act(dossier=dossier, by=request.user, action="withdraw", **data.validated_data)
        except DossierActionError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        dossier = selectors.dossier_for_owner(user=request.user, code=code)
        return Response(DossierDetailSerializer(dossier, context={"user": request.user}).data)


class DossierRateApi(_CitizenActionApi):
    serializer_class = RateSerializer

    @extend_schema(request=RateSerializer, responses={201: RatingSerializer})
    @idempotent
    def post(self, request, code: str):
        dossier = self._dossier(request, code)
        data = RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            rating = services.dossier_rate(dossier=dossier, by=request.user, **data.validated_data)
        except DossierActionError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)
