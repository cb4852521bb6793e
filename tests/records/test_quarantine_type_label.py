"""Quarantine messages name the item's type in the reader's words (its translated label), never the
internal value (``post``, ``wiki``) inserted into a translated sentence."""
import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from notifications.models import Notification
from records import disposition

from .conftest import gather_and_approve, make_post, make_wiki, schedule

pytestmark = pytest.mark.django_db


def test_the_restore_message_and_the_owners_notification_say_post_in_french(client, community, cast, officer):
    post = make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)
    client.force_login(officer)
    response = client.post(f"/records/quarantine/post/{post.pk}/restore/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == f"Élément {post.pk} (Message) rétabli depuis la quarantaine."
    # The owner's notification is written when read, in the reader's language (SPEC §7).
    note = Notification.objects.get(recipient=cast["owner"], event="quarantine_restored")
    with translation.override("fr"):
        assert f"l’élément {post.pk} (Message)" in note.message and "(post)" not in note.message


def test_the_restore_button_names_a_wiki_page_by_its_label(client, community, cast, officer):
    page = make_wiki(community, cast["author"])
    schedule("wiki", retain_days=365)
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)
    client.force_login(officer)
    html = client.get("/records/quarantine/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f"Restablecer el elemento {page.pk} (Página wiki)" in html
    with translation.override("en"):
        response = client.post(f"/records/quarantine/wiki/{page.pk}/restore/", HTTP_ACCEPT_LANGUAGE="en")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"Wiki page {page.pk} restored from quarantine."]
