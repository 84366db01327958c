"""Recording access to personal data (append-only audit trail)."""

from collections.abc import Callable

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


# Which audit rows a user may read is decided above portal (an auditor sees the actions of the
# officials of their agencies, which identity knows): identity registers the scope in its
# AppConfig.ready(). Without one, only superusers read the trail.
AuditScope = Callable[[object], QuerySet[AuditEvent]]
audit_scopes: list[AuditScope] = []


def audit_scope_register(scope: AuditScope) -> AuditScope:
    if scope not in audit_scopes:
        audit_scopes.append(scope)
    return scope


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    if audit_scopes:
        return audit_scopes[0](user)
    return audit_events() if getattr(user, "is_superuser", False) else audit_events().none()
