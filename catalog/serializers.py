"""API shapes of the public catalog. Detail fields read the published snapshot."""

from rest_framework import serializers

from .models import ProcedureVersion


class FieldRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AgencyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ProcessingTimeSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="Decimal as a string, e.g. '15'")
    unit = serializers.ChoiceField(choices=["working_days", "working_hours", "calendar_days"])


class DocumentSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    form = serializers.CharField()
    copies = serializers.IntegerField()
    mandatory = serializers.BooleanField()
    template_url = serializers.CharField(allow_null=True)
    reusable_kinds = serializers.ListField(child=serializers.CharField())


class FeeSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["fee", "charge"])
    amount = serializers.CharField(help_text="Whole VND as a string, e.g. '50000'")
    note = serializers.CharField(allow_blank=True)
    per_unit_field = serializers.CharField(
        required=False, allow_blank=True, help_text="E-form number field holding the copies asked; empty: flat"
    )
    tier_field = serializers.CharField(
        required=False, help_text="Tiered fee: e-form number field counting the units of one copy (e.g. pages)"
    )
    tier_unit = serializers.CharField(required=False, help_text="Name of the unit, e.g. 'trang'")
    tier_first_units = serializers.IntegerField(required=False, help_text="Units charged at `amount`")
    tier_further_amount = serializers.CharField(required=False, help_text="Whole VND per further unit")
    cap = serializers.CharField(required=False, help_text="At most this per copy (whole VND)")


class BundlePartSerializer(serializers.Serializer):
    name = serializers.CharField()
    agency = AgencyRefSerializer()
    procedure_code = serializers.CharField(allow_null=True)


class ProcedureListSerializer(serializers.ModelSerializer):
    field = FieldRefSerializer(source="snapshot.field")
    processing_time = ProcessingTimeSerializer(source="snapshot.processing_time")
    agencies = AgencyRefSerializer(source="snapshot.agencies", many=True)
    channels = serializers.ListField(source="snapshot.channels", child=serializers.CharField())
    total_fee = serializers.CharField(help_text="Sum of the fee lines in whole VND")
    version = serializers.IntegerField(source="number")
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProcedureVersion
        fields = [
            "code",
            "name",
            "field",
            "level",
            "online_level",
            "channels",
            "processing_time",
            "total_fee",
            "agencies",
            "version",
            "published_at",
            "url",
        ]

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        path = f"/api/v1/services/{obj.code}/"
        return request.build_absolute_uri(path) if request else path


class ProcedureDetailSerializer(ProcedureListSerializer):
    description = serializers.CharField(source="snapshot.description")
    requirements = serializers.CharField(source="snapshot.requirements")
    result_description = serializers.CharField(source="snapshot.result_description")
    legal_basis = serializers.CharField(source="snapshot.legal_basis")
    min_eid_level = serializers.IntegerField(source="snapshot.min_eid_level")
    fee_timing = serializers.CharField(source="snapshot.fee_timing")
    refund_on_refusal = serializers.BooleanField(source="snapshot.refund_on_refusal")
    documents = DocumentSerializer(source="snapshot.documents", many=True)
    fees = FeeSerializer(source="snapshot.fees", many=True)
    form_schema = serializers.ListField(
        source="snapshot.form_schema", child=serializers.DictField(), help_text="E-form fields (see README)"
    )
    is_bundle = serializers.BooleanField(source="snapshot.is_bundle")
    bundle_parts = BundlePartSerializer(source="snapshot.bundle_parts", many=True)
    version_id = serializers.IntegerField(source="id", help_text="Id of this immutable published version")

    class Meta(ProcedureListSerializer.Meta):
        fields = [
            *ProcedureListSerializer.Meta.fields,
            "version_id",
            "description",
            "requirements",
            "result_description",
            "legal_basis",
            "min_eid_level",
            "fee_timing",
            "refund_on_refusal",
            "documents",
            "fees",
            "form_schema",
            "is_bundle",
            "bundle_parts",
        ]
