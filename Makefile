# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Links in emails, e-ID, VNPay and MoMo callbacks follow the port you serve on (`make run PORT=8001`).
SITE_URL ?= http://$(HOST):$(PORT)
SUDO   := $(shell [ "$$(id -u)" = "0" ] || command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != "0" ] && echo sudo)

.PHONY: run test install sysdeps browser lint messages bench clean

$(BIN)/activate:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11 or newer is needed: run e.g. 'make run PYTHON=python3.12'"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: sysdeps $(VENV)/.installed

# WeasyPrint needs Pango at run time; install it from Debian/Ubuntu packages when missing.
sysdeps:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so'; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Pango for PDF rendering (apt-get)..."; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b >/dev/null; \
	  else echo "WARNING: Pango not found; install it (https://doc.courtbouillon.org/weasyprint/stable/first_steps.html)"; fi; \
	fi

# Debian's Chromium drives the browser tests (Playwright does not download its own browser).
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests (apt-get)..."; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null || true; \
	fi

run: install
	SITE_URL=$(SITE_URL) $(PY) manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

test: install browser
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true
	@# panva's oidc-provider for the e-ID acceptance test (tests/identity/test_eid_oidc_provider.py)
	@if command -v npm >/dev/null 2>&1 && [ ! -d tests/identity/oidc_provider/node_modules/oidc-provider ]; then \
	  npm ci --prefix tests/identity/oidc_provider --no-audit --no-fund --silent; \
	fi
	PORTAL_TESTING=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Update and compile the Vietnamese catalogs: the project's (locale/) and each app's.
messages: install
	scripts/messages.sh
	@for app in catalog identity dossiers payments; do \
	  if [ -d $$app/locale ]; then scripts/messages.sh $$app || exit 1; fi; \
	done

bench: install
	$(PY) -m bench.run $(BENCH_ARGS)
	$(PY) -m bench.sync $(BENCH_SYNC_ARGS)

clean:
	rm -rf $(VENV) var/static
