"""Filing and processing dossiers: intake cut-off, working hours, deadlines, uploads, the public
lookup and filing on a citizen's behalf. Their beat jobs are in tasks.py."""

from portal.settings.base import TESTING, env

# Dossiers received after the cut-off count from the next working day (DOMAIN.md, configurable).
DOSSIER_INTAKE_CUTOFF = env.str("DOSSIER_INTAKE_CUTOFF", default="15:00")
# Office hours of a working day, used for processing times in working hours.
DOSSIER_WORKING_HOURS = [
    tuple(p.split("-", 1)) for p in env.list("DOSSIER_WORKING_HOURS", default=["08:00-12:00", "13:00-17:00"])
]
# A dossier is "due soon" this many working days before its due date.
DOSSIER_DUE_SOON_DAYS = env.int("DOSSIER_DUE_SOON_DAYS", default=2)
# The queue tabs' counts (bounded at 999+) are kept this many seconds per official (0: counted on
# every page; the test settings use 0 so a count follows each step at once).
DOSSIER_QUEUE_COUNTS_SECONDS = env.int("DOSSIER_QUEUE_COUNTS_SECONDS", default=0 if TESTING else 15)
# The public statistics page (/thong-ke/) is cached this many seconds.
PUBLIC_STATISTICS_CACHE_SECONDS = env.int("PUBLIC_STATISTICS_CACHE_SECONDS", default=0 if TESTING else 600)
# The leaders' indicators page: the figures of one set of agencies and period are computed once
# and kept this many seconds (the page says when they were computed; 0: computed on every view).
INDICATOR_CACHE_SECONDS = env.int("INDICATOR_CACHE_SECONDS", default=0 if TESTING else 60)
DOSSIER_UPLOAD_MAX_FILE_SIZE = env.int("DOSSIER_UPLOAD_MAX_FILE_SIZE", default=10 * 1024 * 1024)
DOSSIER_UPLOAD_MAX_TOTAL_SIZE = env.int("DOSSIER_UPLOAD_MAX_TOTAL_SIZE", default=50 * 1024 * 1024)
DOSSIER_UPLOAD_MAX_FILES = env.int("DOSSIER_UPLOAD_MAX_FILES", default=20)
# Images (uploads and the CCCD QR reader) declaring more pixels than this are refused before
# decoding; Pillow's MAX_IMAGE_PIXELS follows it (portal/kernel/uploads.py).
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=50_000_000)
DOSSIER_LOOKUP_RATE = env.str("DOSSIER_LOOKUP_RATE", default="30/m")
# Filing on a citizen's behalf: the one-time consent code sent to the citizen's phone or email
# (lifetime, wrong tries per code, wait before a new code, codes per citizen per hour).
ON_BEHALF_CODE_TTL_SECONDS = env.int("ON_BEHALF_CODE_TTL_SECONDS", default=10 * 60)
ON_BEHALF_CODE_MAX_ATTEMPTS = env.int("ON_BEHALF_CODE_MAX_ATTEMPTS", default=5)
ON_BEHALF_CODE_RESEND_SECONDS = env.int("ON_BEHALF_CODE_RESEND_SECONDS", default=60)
ON_BEHALF_CODES_PER_HOUR = env.int("ON_BEHALF_CODES_PER_HOUR", default=5)
# "Most used services" on the home page: dossiers submitted in this many days, recounted daily.
DOSSIER_POPULARITY_DAYS = env.int("DOSSIER_POPULARITY_DAYS", default=90)
