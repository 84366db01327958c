# ruff: noqa: E501
"""Strings of the project-level account templates (templates/account/, templates/allauth/,
templates/mfa/), listed here so `scripts/messages.sh identity` puts them in identity's catalog.
Regenerate when those templates change."""

from django.utils.translation import gettext_noop

TEMPLATE_STRINGS = [
    # allauth's own Vietnamese catalog lacks these
    gettext_noop("Remember Me"),
    gettext_noop("Log in with VNeID"),
    gettext_noop("Use your level 2 e-ID account (VNeID) to be verified at once, without filling in your identity."),
    gettext_noop("or with your email"),
    gettext_noop("Log in"),
    gettext_noop("No account yet?"),
    gettext_noop("Create an account"),
    gettext_noop(
        "We will send you an email to confirm your address. Your account starts at identity level 1; you can reach level 2 with VNeID or at a one-stop desk."
    ),
    gettext_noop("Already have an account?"),
]
