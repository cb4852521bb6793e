"""The records pages speak in words, not stored values, and say what really happened (SPEC §4):
a stale community's state by its label; an approved batch as run or queued, as it is."""

import pytest
from django.utils import timezone

from records import staleness
from records.models import DispositionBatch

from .conftest import age, confirm_all, make_post, schedule

pytestmark = pytest.mark.django_db


def test_the_stale_report_shows_each_state_in_words_and_the_csv_keeps_the_value(
    client, community, cast, officer, settings
):
    settings.STALE_COMMUNITY_DAYS = 365
    age(community, days=400)
    staleness.staleness_sweep(now=timezone.now())
    staleness.community_still_in_use(actor=cast["owner"], community=community)
    client.force_login(officer)
    page = client.get("/records/stale/").content.decode()
    assert "Still in use (confirmed by an owner)" in page
    assert "still_in_use" not in page.replace("still-in-use", "")
    assert "still_in_use" in client.get("/records/stale/?format=csv").content.decode()


@pytest.fixture
def confirmed_batch(community, cast, officer):
    make_post(community, cast["author"])
    schedule("post", retain_days=30)
    from records import disposition

    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()
    confirm_all(batch)
    return batch


def _approve(client, officer, batch):
    client.force_login(officer)
    response = client.post(f"/records/batches/{batch.pk}/approve/", {"confirm": str(batch.pk)}, follow=True)
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db(transaction=True)  # the run happens when the approval commits
def test_an_approval_run_in_process_says_it_ran(client, officer, confirmed_batch):
    messages = _approve(client, officer, confirmed_batch)  # tests: eager Celery, as without a broker
    confirmed_batch.refresh_from_db()
    assert confirmed_batch.state == DispositionBatch.State.COMPLETED
    assert messages == [f"Batch {confirmed_batch.pk} approved and run."]


def test_an_approval_left_to_a_worker_says_it_is_queued(
    client, officer, confirmed_batch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        messages = _approve(client, officer, confirmed_batch)
    assert messages == [f"Batch {confirmed_batch.pk} approved: it is queued and will run shortly."]
