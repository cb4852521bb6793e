"""User-written text is shown with dir="auto" (SPEC §7): an Arabic title in an English page, or an
English name in an Arabic one, keeps its own direction and does not reorder the words around it.

The main pages are rendered over seeded content in which every user-written string (titles,
bodies, comments, community names and descriptions, person names, tags, flag notes, hold reasons,
schedule names…) mixes Arabic and Latin and carries a marker ``ZQ<n>``. The rule, for every text
node of <body> holding a marker:

    the nearest element around it (itself the text's parent, or an ancestor) that sets the
    direction — an element with a ``dir`` attribute, or <bdi> — has ``dir="auto"`` (or is a <bdi>
    without ``dir``), and it is at most ``MAX_DEPTH`` elements up from the text (the text's
    parent is 1 up), so that the page's own <html dir> never counts.

Attribute values (title="", aria-label="") and <head> (the page <title>) are not text of the page
and are not checked; form fields (<input>, <textarea>, <option>) are checked through dir="auto" on
the fields that hold user text where a page has them.
"""
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.test import TestCase
from zeal import zeal_ignore

from communities.models import Role
from moderation import services as moderation_services
from posts.services import comments as comment_services
from posts.services import posts as post_services
from posts.services import wiki as wiki_services
from records import holds as records_holds
from records.models import RetentionSchedule
from tests.factories import CommunityFactory, UserFactory, add_member
from tests.records.report_helpers import run_report
from unisocial.models import RECORDS_OFFICERS_GROUP

MAX_DEPTH = 3
MARKER = re.compile(r"ZQ\d+")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def mixed(n, text):
    """A user-written string: the marker, Arabic words, then Latin ones (a real mixed title)."""
    return f"ZQ{n} {text} مرحبا بالعالم"


class DirectionChecker(HTMLParser):
    """Walks the page and keeps, for every text holding a marker, whether the rule holds."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, attrs)
        self.found = {}  # marker -> list of (ok, where)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.stack.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        markers = MARKER.findall(data)
        if not markers or any(tag in ("head", "script", "style") for tag, _ in self.stack):
            return
        ok = False
        for depth, (tag, attrs) in enumerate(reversed(self.stack), start=1):
            if depth > MAX_DEPTH:
                break
            if "dir" in attrs or tag == "bdi":
                ok = attrs.get("dir", "auto") == "auto"
                break
        where = " > ".join(f"{t}{'.' + a['class'].split()[0] if a.get('class') else ''}"
                           f"{'[dir=' + a['dir'] + ']' if 'dir' in a else ''}" for t, a in self.stack[-5:])
        for marker in markers:
            self.found.setdefault(marker, []).append((ok, f"{where}: {data.strip()[:60]!r}"))


def check(html):
    parser = DirectionChecker()
    parser.feed(html)
    return parser.found


@pytest.fixture
def world(db, settings):
    settings.LANGUAGE_CODE = "en"
    with zeal_ignore():
        owner = UserFactory(username="owner", display_name=mixed(1, "Salma Haddad"))
        author = UserFactory(username="author", display_name=mixed(2, "Ivan Petrov"))
        officer = UserFactory(username="officer", display_name=mixed(3, "Rec Officer"))
        officer.groups.add(Group.objects.get(name=RECORDS_OFFICERS_GROUP))
        community = CommunityFactory(
            name=mixed(4, "Water practice"), slug="water", description=mixed(5, "About water"),
            purpose=mixed(6, "Purpose"), guidelines=mixed(7, "Be kind"),
        )
        add_member(community, owner, Role.OWNER)
        add_member(community, author, Role.MEMBER)
        add_member(community, officer, Role.MEMBER)
    with TestCase.captureOnCommitCallbacks(execute=True):
        post, _ = post_services.post_create(
            actor=author, community=community, title=mixed(8, "Wells in the north"),
            body=f"<p>{mixed(9, 'searchword body of the post')} @owner</p>", tags=["ZQ10 وسم"],
        )
        comment_services.comment_create(actor=owner, post=post, body=mixed(11, "A comment"))
        page, _ = wiki_services.wiki_create(actor=author, community=community, title=mixed(12, "Handbook"),
                                            body=f"<p>{mixed(13, 'wiki text')}</p>")
        moderation_services.flag_create(actor=owner, item=post, reason="other", note=mixed(14, "Check this"))
        RetentionSchedule.objects.create(name=mixed(15, "Posts schedule"), content_type="post", retain_days=3650,
                                         disposition="destroy", authority=mixed(16, "ST/SGB"))
        records_holds.hold_place(actor=officer, target_type="community", target_id=community.pk,
                                 reason=mixed(17, "Audit hold"))
    run_report(officer, "inventory")
    return {"owner": owner, "author": author, "officer": officer, "community": community, "post": post,
            "page": page}


def pages(world):
    post, community, page = world["post"], world["community"], world["page"]
    return [
        ("author", "/"),
        ("author", post.get_absolute_url()),
        ("author", "/communities/"),
        ("author", f"/communities/{community.slug}/"),
        ("author", f"/communities/{community.slug}/members/"),
        ("author", f"/communities/{community.slug}/wiki/"),
        ("author", page.get_absolute_url()),
        ("author", "/search/?q=searchword"),
        ("author", f"/tags/{post.tags.get().slug}/"),
        ("author", "/people/owner/"),
        ("owner", "/notifications/"),
        ("owner", "/moderation/queue/"),
        ("officer", "/records/holds/"),
        ("officer", "/records/schedules/"),
        ("officer", "/records/"),
        ("officer", "/records/inventory/"),
        ("officer", "/records/access-log/"),
    ]


@pytest.mark.django_db
def test_every_user_written_string_is_shown_with_dir_auto(client, world):
    wrong, seen = [], set()
    for who, path in pages(world):
        client.force_login(world[who])
        response = client.get(path, follow=True)
        assert response.status_code == 200, (path, response.status_code)
        for marker, places in check(response.content.decode()).items():
            seen.add(marker)
            wrong += [f"{path} {marker}: {where}" for ok, where in places if not ok]
    assert not wrong, (f"{len(wrong)} user-written strings without dir=\"auto\" within {MAX_DEPTH} elements "
                       "(the nearest dir must be auto):\n  " + "\n  ".join(wrong))
    # Every kind of seeded text was shown somewhere (so the check checked it).
    unseen = {f"ZQ{n}" for n in range(1, 18)} - seen
    assert not unseen, f"seeded user text shown on none of the pages: {sorted(unseen)}"


def test_the_rule_itself():
    found = check('<html dir="rtl"><body><h1 dir="auto"><a href="x">ZQ1 t</a></h1>'
                  '<p>ZQ2 bare</p><p dir="ltr"><span>ZQ3 forced</span></p><bdi>ZQ4 isolated</bdi>'
                  '<div dir="auto"><ul><li><p><span>ZQ5 too deep</span></p></li></ul></div></body></html>')
    assert [ok for ok, _ in found["ZQ1"]] == [True]
    assert [ok for ok, _ in found["ZQ2"]] == [False]  # only <html dir="rtl">, far up
    assert [ok for ok, _ in found["ZQ3"]] == [False]  # the nearest dir is ltr
    assert [ok for ok, _ in found["ZQ4"]] == [True]
    assert [ok for ok, _ in found["ZQ5"]] == [False]  # dir="auto" 5 elements up


def test_bidi_isolates_and_escapes_a_name_in_a_translated_sentence():
    from django.template import Context, Template

    from unisocial.templatetags.user_text import bidi

    assert bidi('<img src=x onerror="alert(1)">') == '<bdi>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</bdi>'
    assert bidi("") == "" and bidi(None) is None
    rendered = Template('{% load i18n user_text %}{% blocktranslate with name=n|bidi %}Follow {{ name }}'
                        '{% endblocktranslate %}').render(Context({"n": "سلمى <b>"}))
    assert rendered == "Follow <bdi>سلمى &lt;b&gt;</bdi>"
