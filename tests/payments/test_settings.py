"""Production never uses the demo gateway keys (settings read in a fresh process)."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.production import SIGNING_PRODUCTION_ENV

BASE_DIR = Path(__file__).resolve().parents[2]
CODE = "import django; django.setup(); from django.conf import settings; print(','.join(settings.PAYMENT_PROVIDERS))"


def _run(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PORTAL_TESTING", "DEBUG")}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="dichvucong.example.vn",
        DATABASE_URL="postgres://portal@127.0.0.1:1/portal",
        PORTAL_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="portal.settings",
        **SIGNING_PRODUCTION_ENV,
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-c", CODE], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_enables_only_configured_gateways(tmp_path):
    result = _run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "counter"
    vnpay = {
        "VNPAY_TMN_CODE": "T",
        "VNPAY_HASH_SECRET": "S",
        "VNPAY_PAYMENT_URL": "https://p",
        "VNPAY_API_URL": "https://a",
    }
    assert _run(tmp_path, **vnpay).stdout.strip() == "vnpay,counter"


def test_production_refuses_listed_gateway_without_keys(tmp_path):
    result = _run(tmp_path, PAYMENT_PROVIDERS="vnpay,momo,counter")
    assert result.returncode != 0
    assert "VNPAY_HASH_SECRET" in result.stderr and "MOMO_SECRET_KEY" in result.stderr


def test_an_unknown_gateway_id_refuses_to_start(tmp_path):
    # Gateways register themselves from their modules under payments/providers/; a typo or a
    # module that is missing must not silently drop a way to pay.
    result = _run(tmp_path, PAYMENT_PROVIDERS="counter,zalopay")
    assert result.returncode != 0
    assert "settings.PAYMENT_PROVIDERS names unknown payment provider ids zalopay" in result.stderr
