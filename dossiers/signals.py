"""Signals other apps listen to (payments creates fee rows, statistics, …).

Sent inside the transaction of the change; receivers that cause side effects must use
transaction.on_commit themselves.
"""

from django.dispatch import Signal

# kwargs: dossier
dossier_submitted = Signal()
# kwargs: dossier, action, from_status, to_status, actor, event (the DossierEvent written)
dossier_transitioned = Signal()
