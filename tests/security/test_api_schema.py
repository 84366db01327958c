"""schemathesis against the OpenAPI schema at /api/schema/: every operation, bounded examples,
no 5xx and responses that match the schema. New endpoints join automatically (one test per
operation), anonymously and as a logged-in citizen with a token."""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
)

pytestmark = pytest.mark.django_db(transaction=False)


def _load_schema() -> dict:
    # Built in-process (no HTTP, no database at collection time), from the same generator that
    # serves /api/schema/; test_schema_endpoint_serves_the_same_document checks they agree.
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


SCHEMA_DOCUMENT = _load_schema()
schema = schemathesis.openapi.from_dict(SCHEMA_DOCUMENT)
schema.app = get_wsgi_application()

FUZZ_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# No 5xx, and every documented response has the documented body, headers and content type.
# Undocumented 4xx codes (401/403/404 the views raise) are not failures here.
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, response_headers_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open():
    """schemathesis calls the real WSGI handler, whose request signals close "old" connections —
    on PostgreSQL that would close the test's transaction. Django's test client detaches the same
    receivers for the same reason."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_schema_endpoint_serves_the_same_document(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    served = json.loads(response.content)
    assert served["openapi"].startswith("3.")
    assert sorted(served["paths"]) == sorted(SCHEMA_DOCUMENT["paths"])


def test_schema_covers_only_the_api():
    for path in SCHEMA_DOCUMENT["paths"]:
        assert path.startswith("/api/"), path


@pytest.fixture
def citizen_token(db):
    from rest_framework.authtoken.models import Token

    from .conftest import make_verified_user

    user = make_verified_user("schemathesis.citizen@example.vn", full_name="Trần Thị Bình")
    return Token.objects.create(user=user).key


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_anonymous(case):
    case.call_and_validate(headers={"Host": "testserver"}, checks=CHECKS)


@pytest.fixture
def service_token(db):
    """A back-office system of an agency with every role and scope, and a dossier in its queue."""
    from identity import service_accounts
    from tests.dossiers.factories import AgencyFactory

    agency = AgencyFactory(code="000.00.99.H57", name="UBND phường Schemathesis")
    account = service_accounts.service_account_create(
        name="Hệ thống kiểm thử", agency=agency, roles=list(service_accounts.SERVICE_ROLES)
    )
    return service_accounts.service_token_issue(account=account, scopes=list(service_accounts.Scope.values))[1]


def test_openapi_spec_validator_accepts_the_schema():
    from openapi_spec_validator import validate

    validate(SCHEMA_DOCUMENT)  # raises OpenAPIValidationError with the path of the first problem


def test_every_operation_documents_its_errors():
    for path, operations in SCHEMA_DOCUMENT["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "404"} <= codes, (method, path)
            if path.startswith(("/api/v1/queue/", "/api/v1/dossiers/", "/api/v1/documents/")):
                assert {"401", "403"} <= codes, (method, path)  # the public catalog and lookup have none
                assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], (method, path)
            if method == "post" and "/queue/" in path:
                assert "409" in codes, (method, path)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_system(case, service_token):
    case.call_and_validate(headers={"Host": "testserver", "Authorization": f"Bearer {service_token}"}, checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_citizen(case, citizen_token):
    case.call_and_validate(headers={"Host": "testserver", "Authorization": f"Token {citizen_token}"}, checks=CHECKS)


def test_api_stateful_as_a_system_following_the_links(service_token_with_queue):
    """Following the schema's links (dossiers/api_links.py): the queue, then its first dossier,
    then a lifecycle step on it with generated inputs; and the same checks at every step."""
    from hypothesis import settings as hypothesis_settings

    token = service_token_with_queue

    class Machine(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": {"Host": "testserver", "Authorization": f"Bearer {token}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Machine.run(
        settings=hypothesis_settings(
            max_examples=10,
            stateful_step_count=4,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )


@pytest.fixture
def service_token_with_queue(db):
    from dossiers import services
    from identity import service_accounts
    from tests.dossiers.conftest import pdf_upload
    from tests.dossiers.factories import AgencyFactory, CitizenFactory, version

    agency = AgencyFactory(code="000.00.98.H57", name="UBND phường Liên kết")
    citizen = CitizenFactory()
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=version(agencies=[agency]))
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Kết hôn"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    services.dossier_submit(dossier=draft, by=citizen)
    account = service_accounts.service_account_create(
        name="Hệ thống liên kết", agency=agency, roles=list(service_accounts.SERVICE_ROLES)
    )
    return service_accounts.service_token_issue(account=account, scopes=list(service_accounts.Scope.values))[1]
