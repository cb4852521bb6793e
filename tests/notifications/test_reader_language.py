"""Notifications and e-mails in the READER's language (SPEC §7), from the event, never a stored sentence.

The expected sentences are the catalogue's own (``gettext`` under ``translation.override``), so
these tests hold for every language as its catalogue lands; for French (whose catalogue exists)
and Spanish they also require the rendering to differ from the English one — the Spanish e-mail
test fails until the Spanish catalogue translates the notification strings.
"""

import pytest
from django.core import mail
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from communities.models import Role
from notifications.models import Notification, NotificationPreference
from notifications.tasks import send_daily_digest_task, send_notification_email_task
from posts import services
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility

TITLE = "Quarterly figures"
COMMUNITY = "Budget team"


def under(language, msgid, **values):
    with translation.override(language):
        return gettext(msgid) % values if values else gettext(msgid)


def mention_sentence(language, actor):
    """What a mention of an unclassified post says, in ``language``, from the catalogue."""
    what = under(language, "%(actor)s mentioned you", actor=actor)
    return under(language, "%(what)s: “%(title)s” in %(community)s", what=what, title=TITLE, community=COMMUNITY)


@pytest.fixture
def cast(db):
    community = CommunityFactory(visibility=Visibility.OPEN, name=COMMUNITY)
    people = {
        # The actor writes in English: their language must not leak into anyone's notification.
        "actor": UserFactory(username="edith", display_name="Edith Walker", language="en"),
        "french": UserFactory(username="claire", language="fr"),
        "english": UserFactory(username="edward", language="en"),
        "spanish": UserFactory(username="lucia", language="es"),
    }
    for user in people.values():
        add_member(community, user, Role.OWNER if user.username == "edith" else Role.MEMBER)
    return community, people


def _mention(cast, capture, *names):
    community, people = cast
    body = "Numbers for " + " ".join(f"@{people[n].username}" for n in names) + "."
    with translation.override("en"), capture(execute=True):  # the actor's request, in English
        post, _warnings = services.post_create(actor=people["actor"], community=community, title=TITLE, body=body)
    return post


def test_the_row_stores_the_event_not_a_sentence(cast, django_capture_on_commit_callbacks):
    _mention(cast, django_capture_on_commit_callbacks, "french")
    note = Notification.objects.get(recipient=cast[1]["french"])
    assert (note.event, note.actor_id, note.legacy_message) == ("mention", cast[1]["actor"].pk, "")
    assert TITLE not in str(note.data)


def test_an_english_actors_mention_reads_in_french_for_a_french_reader(
    cast, client, django_capture_on_commit_callbacks
):
    _mention(cast, django_capture_on_commit_callbacks, "french", "english")
    _community, people = cast
    french, english = mention_sentence("fr", "Edith Walker"), mention_sentence("en", "Edith Walker")
    assert french != english  # the French catalogue translates it

    client.force_login(people["french"])
    # The person's language wins over the browser's.
    html = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert escape(french) in html and escape(english) not in html
    assert '<html lang="fr"' in html

    client.force_login(people["english"])
    html = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert escape(english) in html and escape(french) not in html


def test_the_api_speaks_the_readers_language_with_a_token_too(cast, api, django_capture_on_commit_callbacks):
    _mention(cast, django_capture_on_commit_callbacks, "french")
    # force_authenticate: no session, so no middleware chose the language; the API does.
    row = api(cast[1]["french"]).get("/api/v1/notifications/").json()["results"][0]
    assert row["message"] == mention_sentence("fr", "Edith Walker")


def test_the_email_to_a_spanish_reader_is_in_spanish(cast, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    _mention(cast, django_capture_on_commit_callbacks, "spanish")
    [sent] = [m for m in mail.outbox if m.to == [cast[1]["spanish"].email]]

    def expected(language):
        level = under(language, "Unclassified")
        kind = under(language, "Mention")
        subject = f"[{level}] " + under(language, "%(kind)s in %(community)s", kind=kind, community=COMMUNITY)
        return subject + " — unisocial", mention_sentence(language, "Edith Walker"), under(language, "Classification:")

    subject, sentence, label = expected("es")
    assert sent.subject == subject
    assert sentence in sent.body and f"{label} {under('es', 'Unclassified')}" in sent.body
    # Strict: the Spanish e-mail is not the English one.
    english_subject, english_sentence, _label = expected("en")
    assert (subject, sentence) != (english_subject, english_sentence)
    assert sent.subject != english_subject and english_sentence not in sent.body


def test_an_email_does_not_depend_on_the_language_it_is_sent_in(cast, django_capture_on_commit_callbacks):
    """Sent (eager Celery) inside the English actor's request, then again by a worker whose active
    language is Russian: the French reader's e-mail is French both times."""
    _community, people = cast
    mail.outbox.clear()
    _mention(cast, django_capture_on_commit_callbacks, "french")  # under the actor's English
    note = Notification.objects.get(recipient=people["french"])
    Notification.objects.filter(pk=note.pk).update(emailed_at=None)
    with translation.override("ru"):
        assert send_notification_email_task(note.pk) is True
    assert len(mail.outbox) == 2
    for sent in mail.outbox:
        assert mention_sentence("fr", "Edith Walker") in sent.body
        assert sent.subject.startswith(f"[{under('fr', 'Unclassified')}] ")
        assert under("fr", "Classification:") in sent.body and "Classification: " not in sent.body


def test_a_digest_to_a_french_reader_is_in_french(cast, django_capture_on_commit_callbacks):
    community, people = cast
    reader = people["french"]
    NotificationPreference.objects.create(user=reader, email=NotificationPreference.Email.DAILY)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        post, _w = services.post_create(actor=reader, community=community, title=TITLE, body="Figures")
        services.comment_create(actor=people["actor"], post=post, body="Thanks")
        services.comment_create(actor=people["english"], post=post, body="Agreed")
    mail.outbox.clear()
    with translation.override("en"):
        assert send_daily_digest_task() == {"sent": 1}
    [digest] = mail.outbox

    def expected(language, actor):
        what = under(language, "%(actor)s commented on your post", actor=actor)
        return under(language, "%(what)s: “%(title)s” in %(community)s", what=what, title=TITLE, community=COMMUNITY)

    with translation.override("fr"):
        subject = ngettext("unisocial: %(counter)s unread notification", "unisocial: %(counter)s unread notifications",
                           2) % {"counter": 2}
    with translation.override("en"):
        english_subject = ngettext("unisocial: %(counter)s unread notification",
                                   "unisocial: %(counter)s unread notifications", 2) % {"counter": 2}
    assert digest.subject == subject != english_subject
    for actor in ("Edith Walker", people["english"].username):
        assert expected("fr", actor) in digest.body
        assert expected("en", actor) not in digest.body


def test_a_sentence_follows_the_item_and_never_names_it_above_unclassified(
    cast, client, django_capture_on_commit_callbacks
):
    community, people = cast
    post = _mention(cast, django_capture_on_commit_callbacks, "french")
    # The open community's ceiling is unclassified: move the post's level by hand, as a raise would.
    type(post).objects.filter(pk=post.pk).update(classification=Level.CONFIDENTIAL)
    client.force_login(people["french"])
    html = client.get("/notifications/").content.decode()
    what = under("fr", "%(actor)s mentioned you", actor="Edith Walker")
    level = under("fr", "Confidential")
    assert escape(under("fr", "%(what)s: a %(level)s item in %(community)s", what=what, level=level,
                        community=COMMUNITY)) in html
    assert TITLE not in html


def test_people_named_in_data_are_filled_in_when_read(db, client):
    from notifications.services import notify

    community = CommunityFactory(name=COMMUNITY)
    owner = UserFactory(language="fr")
    manager = UserFactory(username="root", display_name="Rosa Root")
    newcomer = UserFactory(display_name="Nadia New")
    add_member(community, owner, Role.OWNER)
    notify([owner], kind=Notification.Kind.MEMBERSHIP_ADDED, event="owner_appointed", actor=manager,
           data={"user_id": newcomer.pk}, community=community)
    newcomer.display_name = "Nadia Newname"  # a name is read when shown, not when sent
    newcomer.save()
    client.force_login(owner)
    html = client.get("/notifications/").content.decode()
    assert escape(under("fr", "A system manager (%(actor)s) appointed %(user)s owner of %(community)s.",
                        actor="Rosa Root", user="Nadia Newname", community=COMMUNITY)) in html


def test_a_legacy_row_is_shown_as_written(db, client):
    user = UserFactory(language="fr")
    Notification.objects.create(recipient=user, kind=Notification.Kind.RECORDS, legacy_message="Old English text")
    client.force_login(user)
    assert "Old English text" in client.get("/notifications/").content.decode()


def test_the_migration_rebuilds_what_the_row_says_all_of(cast, django_capture_on_commit_callbacks):
    import importlib

    from django.apps import apps

    rebuild = importlib.import_module("notifications.migrations.0002_notification_event").rebuild
    community, people = cast
    post = _mention(cast, django_capture_on_commit_callbacks, "french")
    Notification.objects.filter(recipient=people["french"]).update(event="", actor=None, legacy_message="x mentioned")
    removed = Notification.objects.create(recipient=people["english"], kind="membership_removed", community=community,
                                          legacy_message="Your membership of Budget team has ended.")
    kept = Notification.objects.create(recipient=people["english"], kind="records", legacy_message="Batch 3 waits.")
    rebuild(apps, None)
    note = Notification.objects.get(recipient=people["french"], target_id=post.pk)
    assert (note.event, note.actor_id, note.legacy_message) == ("mention", people["actor"].pk, "")
    removed.refresh_from_db()
    kept.refresh_from_db()
    assert (removed.event, removed.legacy_message) == ("membership_removed", "")
    assert (kept.event, kept.legacy_message) == ("", "Batch 3 waits.")


def test_a_date_in_a_notification_is_written_the_readers_way(db):
    import datetime as dt

    from django.utils.formats import date_format

    from notifications.messages import render
    from notifications.services import notify

    community = CommunityFactory(name=COMMUNITY)
    owner, member = UserFactory(language="fr"), UserFactory(display_name="Marc Member")
    ends = dt.datetime(2026, 12, 24, 10, 0, tzinfo=dt.UTC)
    [note] = notify([owner], kind=Notification.Kind.MEMBERSHIP_ENDING, event="membership_ending",
                    data={"user_id": member.pk, "date": ends.isoformat()}, community=community)
    with translation.override("fr"):
        day = date_format(ends.date(), "DATE_FORMAT")
    assert day == "24 décembre 2026"
    assert render(note, language="fr") == under(
        "fr", "%(user)s's membership of %(community)s ends on %(date)s.", user="Marc Member",
        community=COMMUNITY, date=day,
    )
    assert "Dec. 24, 2026" in render(note, language="en")
