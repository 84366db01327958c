"""The officials' and systems' API (issue 12): an agency's queue with the admin's filters, a
dossier, and the lifecycle's actions through the one dispatcher `dossier_act` — same services,
same rules, same (Vietnamese) refusals as the admin's action panel.

Who: an official signed in with two-factor authentication (session), or a system with a service
account's bearer token whose scopes allow the endpoint (`queue:read` to read, `dossiers:act` for
the steps, `results:publish` for the steps that issue or hand over a result)."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from catalog.selectors import agencies_active
from identity.selectors import officials_of_agencies, user_has_role
from identity.service_accounts import Scope, is_service_token, token_has_scope
from portal.api import FormParser as _FormParser
from portal.api import JSONParser as _JSONParser
from portal.api import MultiPartParser as _MultiPartParser
from portal.audit import AuditAction, audit_record
from portal.idempotency import idempotent

from . import selectors
from .api import ROW_ID_MAX, DossierActionSerializer, DossierOutputSerializer, TextField
from .lifecycle import ACTIONS, OFFICIAL, actions_available, actor_check
from .models import Status
from .services import DossierActionError, dossier_act

# The steps that issue a result or hand it over need `results:publish`; the others `dossiers:act`.
PUBLISH_ACTIONS = frozenset({"approve", "propose_approve", "sign_off", "return_result"})
OFFICIAL_ACTIONS = tuple(name for name, a in ACTIONS.items() if a.actor == OFFICIAL)


def _scope_check(request, scope: str) -> None:
    if is_service_token(request.auth) and not token_has_scope(request.auth, scope):
        raise PermissionDenied(_("This token does not have the scope “%(scope)s”.") % {"scope": scope})


class IsHandlingOfficial(BasePermission):
    """Officials who handle dossiers (intake, processing, leader) and service accounts."""

    message = _("Only officials who handle dossiers, and systems with a service token, may use this.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user.is_superuser or user_has_role(user, *selectors.HANDLING_ROLES))


class OfficialDossierSerializer(DossierOutputSerializer):
    citizen = serializers.CharField(source="citizen.full_name", allow_null=True)
    current_agency = serializers.CharField(source="current_agency.name", allow_null=True)
    assigned_to = serializers.EmailField(source="assigned_to.email", allow_null=True)


class OfficialDossierDetailSerializer(OfficialDossierSerializer):
    events = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    def get_events(self, obj) -> list[dict]:
        return [
            {"at": e.at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status, "note": e.note}
            for e in obj.events.all()
        ]

    def get_actions(self, obj) -> list[dict]:
        user = self.context["user"]
        return DossierActionSerializer(actions_available(user=user, dossier=obj, actor=OFFICIAL), many=True).data


class ActionInputSerializer(serializers.Serializer):
    """The inputs of a step; which ones apply is the lifecycle table's (docs/lifecycle.md)."""

    note = TextField(required=False, allow_blank=True, max_length=2000)
    reason = TextField(required=False, allow_blank=True, max_length=2000)
    comment = TextField(required=False, allow_blank=True, max_length=2000)
    missing = serializers.ListField(child=TextField(max_length=500), required=False, max_length=50)
    to_agency = serializers.IntegerField(required=False, min_value=1, max_value=ROW_ID_MAX, help_text="Agency id")
    official = serializers.IntegerField(required=False, min_value=1, max_value=ROW_ID_MAX, help_text="User id")
    new_due = serializers.DateField(required=False)
    paper_result = serializers.BooleanField(required=False)
    result_file = serializers.FileField(required=False, help_text="The result document (multipart/form-data)")

    REQUIRED = {
        "reject_intake": ("reason",),
        "refuse": ("reason",),
        "propose_refuse": ("reason",),
        "stop": ("reason",),
        "request_supplement": ("missing",),
        "transfer": ("to_agency",),
        "extend": ("new_due", "reason"),
        "send_back": ("comment",),
        "assign": ("official",),
    }

    def validate(self, attrs):
        action = self.context["action"]
        errors = {}
        for name in self.REQUIRED.get(action.name, ()):
            if attrs.get(name) in (None, "", []):
                errors[name] = [_("This field is required.")]
        unknown = [name for name in self.initial_data if name in self.fields and name not in action.inputs]
        for name in unknown:
            errors[name] = [_("Not an input of this step.")]
        if errors:
            raise serializers.ValidationError(errors)
        dossier = self.context["dossier"]
        if "to_agency" in attrs:
            agency = agencies_active().filter(pk=attrs["to_agency"]).first()
            if agency is None:
                raise serializers.ValidationError({"to_agency": [_("Unknown agency.")]})
            attrs["to_agency"] = agency
        if "official" in attrs:
            agency_id = dossier.current_agency_id or dossier.agency_id
            official = officials_of_agencies(agency_ids=[agency_id]).filter(pk=attrs["official"]).first()
            if official is None:
                raise serializers.ValidationError({"official": [_("Unknown official of this agency.")]})
            attrs["official"] = official
        return {name: value for name, value in attrs.items() if name in action.inputs}


def _dossier_for(request, code: str):
    dossier = selectors.dossier_by_code(code=code)
    if dossier is None or not selectors.dossier_visible_to_official(user=request.user, dossier=dossier):
        raise Http404
    return dossier


class QueueApi(GenericAPIView):
    """An agency's queue, earliest due first, with the admin's filters."""

    permission_classes = [IsAuthenticated, IsHandlingOfficial]
    serializer_class = OfficialDossierSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("queue", str, enum=list(selectors.QUEUES), description="As the admin's queue filter"),
            OpenApiParameter("status", str, enum=list(Status.values)),
            OpenApiParameter("channel", str),
            OpenApiParameter("code", str, description="Exact dossier code"),
        ],
        responses=OfficialDossierSerializer(many=True),
    )
    def get(self, request):
        _scope_check(request, Scope.READ_QUEUE)
        queue = request.query_params.get("queue")
        qs = selectors.official_queue(user=request.user, queue=queue if queue in selectors.QUEUES else None)
        if (value := request.query_params.get("status")) in Status.values:
            qs = qs.filter(status=value)
        if value := request.query_params.get("channel"):
            qs = qs.filter(channel=value[:20])
        if value := request.query_params.get("code"):
            qs = qs.filter(code=value[:40])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(OfficialDossierSerializer(page, many=True).data)


class QueueDossierApi(GenericAPIView):
    """A dossier of the agency, with the steps the caller may take now. Audited (personal data)."""

    permission_classes = [IsAuthenticated, IsHandlingOfficial]
    serializer_class = OfficialDossierDetailSerializer

    def get(self, request, code: str):
        _scope_check(request, Scope.READ_QUEUE)
        dossier = _dossier_for(request, code)
        audit_record(
            actor=request.user, subject=dossier.citizen, action=AuditAction.VIEW, obj=dossier,
            detail=f"API {dossier.code}", request=request,
        )  # fmt: skip
        return Response(OfficialDossierDetailSerializer(dossier, context={"user": request.user}).data)


class QueueDossierActionApi(GenericAPIView):
    """Take a step of the lifecycle (`dossier_act`). A result document is attached with
    `approve`/`propose_approve` as `result_file` in multipart/form-data (the upload checker of the
    pages). 403: not this caller's step; 409: not possible in the dossier's state or by the law's
    limits (the message says why)."""

    permission_classes = [IsAuthenticated, IsHandlingOfficial]
    serializer_class = ActionInputSerializer
    parser_classes = [_JSONParser, _FormParser, _MultiPartParser]

    @extend_schema(
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(OFFICIAL_ACTIONS))],
        request={"application/json": ActionInputSerializer, "multipart/form-data": ActionInputSerializer},
        responses={200: OfficialDossierDetailSerializer},
    )
    @idempotent
    def post(self, request, code: str, action: str):
        spec = ACTIONS.get(action)
        if spec is None or spec.actor != OFFICIAL:
            raise Http404
        _scope_check(request, Scope.PUBLISH_RESULTS if action in PUBLISH_ACTIONS else Scope.ACT)
        dossier = _dossier_for(request, code)
        try:
            actor_check(user=request.user, dossier=dossier, action=action)
        except DossierActionError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
        data = ActionInputSerializer(data=request.data, context={"action": spec, "dossier": dossier})
        data.is_valid(raise_exception=True)
        try:
            dossier = dossier_act(dossier=dossier, by=request.user, action=action, **data.validated_data)
        except DossierActionError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        dossier = selectors.dossier_by_code(code=dossier.code)
        return Response(OfficialDossierDetailSerializer(dossier, context={"user": request.user}).data)
