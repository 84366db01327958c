"""Recording access to personal data (append-only audit trail)."""

from django.db.models import QuerySet

from .client_ip import client_ip
from .models import AuditEvent


def audit_record(*, actor, subject=None, action: str, obj=None, detail: str = "", request=None) -> AuditEvent:
    """Append one audit row. `obj` is any model instance the access concerned."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        subject=subject,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail[:500],
        ip_address=client_ip(request) if request is not None else None,
    )


# Other apps name the actions through this, not through portal's models.
AuditAction = AuditEvent.Action


def audit_events(*, subject=None) -> QuerySet[AuditEvent]:
    """The audit trail; only the rows about this person when `subject` is given."""
    return AuditEvent.objects.all() if subject is None else AuditEvent.objects.filter(subject=subject)
