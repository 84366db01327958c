from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from .eid import eid_on_sign_out

        user_logged_out.connect(eid_on_sign_out, dispatch_uid="identity.eid_on_sign_out")
