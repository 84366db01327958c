"""API: start paying a dossier's open fee."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.client_ip import client_ip
from portal.idempotency import idempotent

from . import services


class PaymentStartInput(serializers.Serializer):
    provider = serializers.ChoiceField(choices=["vnpay", "momo"])


class PaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=0)
    provider = serializers.CharField()
    reference = serializers.CharField()
    redirect_url = serializers.CharField()


class DossierPaymentStartApi(APIView):
    @extend_schema(request=PaymentStartInput, responses={201: PaymentOutput}, tags=["payments"])
    @idempotent
    def post(self, request, code):
        from dossiers.selectors import dossier_by_code

        dossier = dossier_by_code(code=code)
        if dossier is None:
            raise Http404
        if request.user.pk not in (dossier.citizen_id, dossier.filed_by_id):
            raise PermissionDenied
        data = PaymentStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            payment = services.payment_start(
                dossier=dossier,
                provider_id=data.validated_data["provider"],
                payer=request.user,
                client_ip=client_ip(request),
            )
        except services.PaymentError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(PaymentOutput(payment).data, status=status.HTTP_201_CREATED)
