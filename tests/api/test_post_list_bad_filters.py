"""Bad filters on the post list answer 400 with a clear error, never 500 (PostgreSQL refuses NUL in
a string; schemathesis found ``?community=%00``)."""
import pytest
from rest_framework.test import APIClient

from tests.browser import ensure_current_terms
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["community=%00", "community=a%00b", "tag=%00", "tag=x%00"])
def test_a_nul_in_a_filter_is_a_clear_400(query):
    ensure_current_terms()
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.get(f"/api/v1/posts/?{query}")
    assert response.status_code == 400
    assert "NUL" in str(response.json())
