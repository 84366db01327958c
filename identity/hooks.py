"""Extension points filled by other apps (dossiers), so identity never imports them.

- A document access checker `(user, document) -> bool` says whether an official may open a
  citizen's personal document (e.g. because it is attached to a dossier they handle).
- An open dossier checker `(user) -> bool` says whether a citizen still has a dossier in
  progress, which blocks closing the account.
- A document releaser `(document) -> list[str]` is called before a citizen's personal document
  is deleted: it detaches the document from places that may drop it (unsent drafts) and names
  the records that must keep it (sent dossiers), which blocks the deletion.
Both checkers default to "no", and the releasers to "nothing keeps it", when nothing is registered.
"""

from collections.abc import Callable

DocumentAccessChecker = Callable[..., bool]
OpenDossierChecker = Callable[..., bool]
DocumentReleaser = Callable[..., list[str]]

document_access_checkers: list[DocumentAccessChecker] = []
open_dossier_checkers: list[OpenDossierChecker] = []
document_releasers: list[DocumentReleaser] = []


def document_access_checker_register(checker: DocumentAccessChecker) -> DocumentAccessChecker:
    if checker not in document_access_checkers:
        document_access_checkers.append(checker)
    return checker


def open_dossier_checker_register(checker: OpenDossierChecker) -> OpenDossierChecker:
    if checker not in open_dossier_checkers:
        open_dossier_checkers.append(checker)
    return checker


def document_access_allowed(user, document) -> bool:
    return any(checker(user, document) for checker in document_access_checkers)


def has_open_dossier(user) -> bool:
    return any(checker(user) for checker in open_dossier_checkers)


def document_releaser_register(releaser: DocumentReleaser) -> DocumentReleaser:
    if releaser not in document_releasers:
        document_releasers.append(releaser)
    return releaser


def document_release(document) -> list[str]:
    """Labels (e.g. dossier codes) of the records that keep the document; empty when it may go."""
    return [label for releaser in document_releasers for label in releaser(document=document)]
