#!/usr/bin/env bash
# Update and compile the Vietnamese catalog of one app (or of the project when no app given):
#   scripts/messages.sh services      -> services/locale/vi/LC_MESSAGES/django.po
#   scripts/messages.sh               -> locale/ (portal/ and templates/)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="$root/.venv/bin/python"
if [ $# -eq 0 ]; then
  cd "$root"
  "$py" manage.py makemessages -l vi --no-obsolete --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' \
    --ignore='bench/*' --ignore='services/*' --ignore='identity/*' --ignore='dossiers/*' --ignore='payments/*'
  msgfmt -o locale/vi/LC_MESSAGES/django.mo locale/vi/LC_MESSAGES/django.po
else
  cd "$root/$1"
  mkdir -p locale
  "$py" "$root/manage.py" makemessages -l vi --no-obsolete --ignore='migrations/*'
  msgfmt -o locale/vi/LC_MESSAGES/django.mo locale/vi/LC_MESSAGES/django.po
fi
