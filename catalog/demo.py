"""Demo catalog for `manage.py seed_demo`: Tỉnh Vĩnh Long's agencies, fields and 36 published
procedures (through the catalog importer), blank-form PDFs. The catalog staff accounts are listed
here (ACCOUNTS) and made by identity's demo, which owns accounts."""

import logging

from django.core.files.base import ContentFile
from django.db import transaction

from portal.pdf import pdf_render

from .demo_catalog import catalog
from .models import Agency, Procedure, RequiredDocument
from .services import procedure_publish
from .transfer import catalog_import

logger = logging.getLogger(__name__)

ACCOUNTS = [
    # email, full name, role, agency code, title, superuser (made by identity.demo)
    ("editor@example.vn", "Trần Thị Mai", "catalog_editor", "000.00.02.H62", "Chuyên viên cập nhật TTHC", False),
    ("publisher@example.vn", "Nguyễn Văn Hùng", "catalog_publisher", "000.00.01.H62", "Trưởng phòng KSTTHC", False),
    ("admin@example.vn", "Quản trị hệ thống", None, "000.00.01.H62", "Quản trị hệ thống", True),
]  # fmt: skip


def _blank_forms(data: dict) -> int:
    """A printable blank form (PDF) for each document marked `generate_template`, made once."""
    made = 0
    for item in data["procedures"]:
        for entry in item["documents"]:
            if not entry.get("generate_template"):
                continue
            document = RequiredDocument.objects.select_related("procedure").get(
                procedure__code=item["code"], key=entry["key"]
            )
            if document.template:
                continue
            agency = Agency.objects.filter(code__in=item["agencies"]).order_by("code").first()
            try:
                pdf = pdf_render(
                    template_name="services/pdf/blank_form.html",
                    context={
                        "document": document,
                        "procedure": document.procedure,
                        "agency_name": agency.name if agency else "",
                        "fields": [
                            f for f in item["form_schema"] if f["type"] != "checkbox" or f["name"] != "declaration"
                        ],
                    },
                )
            except Exception:  # a missing system library must not stop the demo
                logger.exception("Could not render the blank form for %s/%s", item["code"], entry["key"])
                return made
            document.template.save(f"{item['code']}-{entry['key']}.pdf", ContentFile(pdf), save=True)
            made += 1
    return made


@transaction.atomic
def seed(*, password: str, stdout) -> list[tuple[str, str]]:
    data = catalog()
    catalog_import(data=data)
    for item in data["procedures"]:
        Procedure.objects.filter(code=item["code"]).update(popularity=item.get("popularity", 0))
    templates = _blank_forms(data)
    published = 0
    for procedure in Procedure.objects.filter(code__in=[p["code"] for p in data["procedures"]]):
        procedure_publish(procedure=procedure, by=None)
        published += 1
    stdout.write(
        f"Catalog: {len(data['fields'])} fields, {len(data['agencies'])} agencies, "
        f"{published} procedures published ({templates} blank forms generated)."
    )
    return []
