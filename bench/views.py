"""The baseline: the cheapest view the stack can serve (no database, no template)."""

from django.http import HttpResponse


def baseline(request):
    return HttpResponse(b"ok", content_type="text/plain")
