"""Built-in sandboxes (mounted only when SANDBOX_ENABLED): the e-ID issuer and the registry."""

from django.urls import include, path

from . import population_registry, sandbox_eid

eid_patterns = (
    [
        path("", sandbox_eid.discovery, name="root"),
        path(".well-known/openid-configuration", sandbox_eid.discovery, name="discovery"),
        path("jwks/", sandbox_eid.jwks, name="jwks"),
        path("authorize/", sandbox_eid.authorize, name="authorize"),
        path("token/", sandbox_eid.token, name="token"),
        path("userinfo/", sandbox_eid.userinfo, name="userinfo"),
        path("logout/", sandbox_eid.end_session, name="end-session"),
    ],
    "sandbox-eid",
)

registry_patterns = (
    [path("people/<str:personal_id>/", population_registry.sandbox_person, name="person")],
    "sandbox-registry",
)

urlpatterns = [
    path("eid/", include(eid_patterns)),
    path("registry/", include(registry_patterns)),
]
