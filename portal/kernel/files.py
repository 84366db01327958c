"""The one way a view sends a stored file: the same headers everywhere, a missing file is a 404."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def file_response(
    source, *, filename: str, content_type: str = "", attachment: bool = False, private: bool = True
) -> FileResponse:
    """`source` is a FieldFile (opened here) or an already open binary handle. Private files
    (personal documents, dossier files, receipts) are never cached by browsers or proxies; every
    file is sent with nosniff so a browser never runs it as something else."""
    handle = source
    if isinstance(source, FieldFile):
        try:
            handle = source.open("rb")
        except (FileNotFoundError, ValueError) as exc:
            raise Http404 from exc
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=attachment,
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    if private:
        response["Cache-Control"] = "private, no-store"
    return response
