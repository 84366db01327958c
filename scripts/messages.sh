#!/usr/bin/env bash
# Update and compile the Vietnamese catalogs, always from the repository root:
#   scripts/messages.sh              -> locale/ (portal/ and templates/)
#   scripts/messages.sh services     -> locale/ and services/locale/
# makemessages reduces an --ignore of "dir/*" to "dir" and matches it at any depth, so only
# folder names that do not occur inside the processed folders are ignored (each app nests
# only its own name, e.g. services/templates/services).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
apps="services identity dossiers payments"
ignores=(--ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='bench/*' --ignore='scripts/*' --ignore='migrations/*')
targets=(locale)
for app in $apps; do
  if [ "${1:-}" = "$app" ]; then
    mkdir -p "$app/locale"
    targets+=("$app/locale")
  else
    ignores+=(--ignore="$app/*")
  fi
done
.venv/bin/python manage.py makemessages -l vi --no-obsolete "${ignores[@]}"
for target in "${targets[@]}"; do
  msgfmt -o "$target/vi/LC_MESSAGES/django.mo" "$target/vi/LC_MESSAGES/django.po"
done
