"""The public page "Kiểm tra văn bản điện tử": upload a PDF (or follow the link printed on it)
and see whether its signature is valid, who signed, when, whether it was changed and which
dossier it belongs to (code only). Rate-limited like the dossier lookup."""

from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from . import signed_document_resolve, verification_reference_parse
from .verify import TOO_LARGE, VerificationResult, pdf_verify


class VerifyForm(forms.Form):
    document = forms.FileField(label=_("PDF document"), help_text=_("The PDF file you received."))


def _rate(_group, _request):
    return settings.SIGNING_VERIFY_RATE


@never_cache
@ratelimit(key="ip", rate=_rate, method="POST", block=True)
def verify_page(request):
    result = None
    if request.method == "POST":
        too_large = int(request.META.get("CONTENT_LENGTH") or 0) > settings.SIGNING_VERIFY_MAX_BYTES + 64 * 1024
        if too_large:
            form = VerifyForm()
            result = VerificationResult(TOO_LARGE)
        else:
            form = VerifyForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["document"]
                if upload.size > settings.SIGNING_VERIFY_MAX_BYTES:
                    result = VerificationResult(TOO_LARGE)
                else:
                    result = pdf_verify(upload.read())
    else:
        form = VerifyForm()
    status = 200 if result is None or result.outcome != TOO_LARGE else 413
    return render(request, "signing/verify.html", {"form": form, "result": result}, status=status)


@never_cache
@ratelimit(key="ip", rate=_rate, block=True)
def verify_reference(request, reference: str):
    """The link printed on a document: the stored original, verified now."""
    if verification_reference_parse(reference) is None:
        raise Http404
    found = signed_document_resolve(reference=reference)
    if found is None or not found.get("file"):
        return render(
            request,
            "signing/verify.html",
            {"form": VerifyForm(), "pending": found is not None},
            status=404 if found is None else 200,
        )
    with found["file"].open("rb") as fh:
        result = pdf_verify(fh.read())
    return render(request, "signing/verify.html", {"form": VerifyForm(), "result": result, "reference": reference})
