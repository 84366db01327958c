#!/usr/bin/env bash
# Update and compile the Vietnamese catalogs, always from the repository root:
#   scripts/messages.sh              -> locale/ (portal/ and templates/)
#   scripts/messages.sh catalog      -> locale/ and catalog/locale/
# makemessages reduces an --ignore of "dir/*" to "dir" and matches that name at any depth (it
# would skip a same-named subpackage such as dossiers/services/). "app/[!/]*" is not reduced: it
# matches the paths under the top-level folder only, e.g. catalog/models.py but nothing under dossiers/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
apps="catalog identity dossiers payments"
ignores=(--ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='bench/*' --ignore='scripts/*' --ignore='migrations/*')
targets=(locale)
for app in $apps; do
  if [ "${1:-}" = "$app" ]; then
    mkdir -p "$app/locale"
    targets+=("$app/locale")
  else
    ignores+=(--ignore="$app/[!/]*")
  fi
done
.venv/bin/python manage.py makemessages -l vi --no-obsolete "${ignores[@]}"
for target in "${targets[@]}"; do
  msgfmt -o "$target/vi/LC_MESSAGES/django.mo" "$target/vi/LC_MESSAGES/django.po"
done
