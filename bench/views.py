"""The reference views of `make bench` (bench/settings.py only): the baseline, the cheapest view the
stack can serve (no database, no template), and two floors that show what any authenticated API
write costs before it does its own work."""

import datetime as dt
import os

from django.db import connection, transaction
from django.http import HttpResponse
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


def baseline(request):
    return HttpResponse(b"ok", content_type="text/plain")


class ApiFloor(APIView):
    """A DRF POST with token authentication, JSON in and out, and nothing else."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        return Response({"ok": True}, status=201)


class WriteFloor(ApiFloor):
    """ApiFloor plus one durable write: a transaction with one upsert and a synchronous commit
    (a row of its own per worker process, so that workers do not wait on each other's lock)."""

    def post(self, request):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO dossiers_dossiercodecounter (unit_code, day, last) VALUES (%s, %s, 1) "
                "ON CONFLICT (unit_code, day) DO UPDATE SET last = dossiers_dossiercodecounter.last + 1",
                [f"bench-floor-{os.getpid()}", dt.date(2000, 1, 1)],  # a day no dossier is filed on,
            )
        return Response({"ok": True}, status=201)
