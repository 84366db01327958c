"""Staff sign-in for tests: every staff page and API needs the second factor (identity.middleware)."""

import time


def staff_login(client, user, *, second_factor: bool = True):
    """Log `user` in on `client`; staff and officials also get TOTP set up and, unless
    `second_factor=False`, pass it in this session, as after a real password + TOTP login."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    from identity.middleware import user_needs_second_factor
    from tests.support.world import totp_activate

    client.force_login(user)
    if user_needs_second_factor(user):
        totp_activate(user)
        if second_factor:
            session = client.session
            now = time.time()
            session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {"method": "password", "at": now, "email": user.email},
                {"method": "mfa", "at": now, "id": 1, "type": "totp"},
            ]
            session.save()
    return client
