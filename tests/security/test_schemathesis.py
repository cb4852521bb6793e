"""schemathesis against /api/v1/schema/: no 500 on any operation.

The schema is loaded from the running app in process (WSGI, token auth, as an
authorized user who owns the communities the path parameters name), and every
operation it describes gets schema-shaped requests — valid and invalid — from
schemathesis' hypothesis strategies. A server error fails the test; so does a
rejected (4xx) write that changed the database.
"""
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from zeal import zeal_context

from unisocial.models import ApiToken
from unisocial.tokens import create_token

from .test_fuzz import db_state, world  # noqa: F401 — the same world as the form fuzzers

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 6


@pytest.fixture
def keep_the_test_connection():
    """Requests go through Django's real WSGI handler, whose request signals close the
    database connection — the test's own, inside its transaction on PostgreSQL. Django's
    test client unhooks them the same way for the duration of a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_api_operation_survives_schemathesis(world, keep_the_test_connection):  # noqa: F811
    # The token this run authenticates with has an id no generated one is likely to hit: DELETE
    # me/tokens/{token_id}/ is among the operations, and revoking it would end the run's access.
    row, token = create_token(world["owner"], "schemathesis")
    ApiToken.objects.filter(pk=row.pk).update(id=1_734_567_891)
    headers = {"Authorization": f"Token {token}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", get_wsgi_application(), headers=headers
    )
    known = {
        "slug": "vault",
        "id": world["post"].pk,
        "page": "guide",
        "username": "amina",
    }
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, [op.label for op in operations]
    failures = []
    statuses = Counter()
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        fixed = {name: value for name, value in known.items() if name in names}
        strategies = [
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=fixed),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, path_parameters=fixed),
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        ]

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def run(case):
            before = db_state() if case.method != "GET" else None
            with zeal_context():
                response = case.call(headers=headers)
            statuses[response.status_code // 100] += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} → {response.status_code}")
            elif before is not None and 400 <= response.status_code < 500 and db_state() != before:
                failures.append(f"{case.method} {case.formatted_path} → {response.status_code} changed the database")

        run()
    assert not failures, "\n".join(sorted(set(failures)))
    # The requests got past authentication and reached real rows, not only 401s and 404s.
    assert statuses[2] > len(operations), statuses
    print(f"schemathesis: {len(operations)} operations, {sum(statuses.values())} requests, {dict(statuses)}")
