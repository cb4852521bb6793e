"""The authorization matrix (SPEC §1, §2.1, §2.2, §6), written as a plain table.

Independent of the implementation: nothing here imports ``communities.access``
or asks the app who may see what. Roles, items and the expected answer of
every route are spelled out from the SPEC; ``test_matrix.py`` builds the
world, sends every request as every role and compares.

Adding a route is appending a ``Route`` row to ``HTML_ROUTES`` or
``API_ROUTES``: say which targets it takes (none, each community, each post,
each wiki page) and give a function ``(role, target) -> expected answer`` (or
a tuple of acceptable answers) for an authorized role; the gates for the
anonymous user and for a user who has not accepted the terms are applied by
``expected()``. ``test_routes_covered.py`` fails when a route of the URL conf
has no row; the rows of both admin sites are generated from their registries
(``admin_matrix.py``). Secret words (``secrets_hidden_from``) name what each
role may not meet in any answer: items, tags, flag notes, moderation reasons
and restricted communities.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

# Case counts, shown in the terminal summary (tests/security/conftest.py).
MATRIX_CASES = pytest.StashKey[list]()
ADMIN_CASES = pytest.StashKey[list]()  # of which: both admin sites (tests/security/test_admin_matrix.py)
CRAWLED = pytest.StashKey[dict]()  # role -> pages crawled (tests/security/test_crawl.py)

# --- who -----------------------------------------------------------------------------------

ROLES = (
    "anonymous",
    "no_terms",  # an owner of every community who has not accepted the current terms
    "outsider",
    "member",
    "moderator",
    "owner",
    "sc_reader",  # a member granted as reader on every strictly confidential item
    "author",  # a member who wrote every item
    "records_officer",  # in the "Records officers" group, member of nothing
    "superuser",  # a system manager, member of nothing: not exempt (SPEC §2.2)
)
# The community role each role holds in every community (absent: none).
COMMUNITY_ROLE = {
    "no_terms": "owner",
    "member": "member",
    "moderator": "moderator",
    "owner": "owner",
    "sc_reader": "member",
    "author": "member",
}

# --- what ----------------------------------------------------------------------------------

# community key -> (visibility, ceiling)
COMMUNITIES = {
    "open": ("open", "unclassified"),
    "moderated": ("moderated", "confidential"),
    "restricted": ("restricted", "strictly_confidential"),
}


@dataclass(frozen=True)
class Item:
    key: str
    community: str
    level: str
    status: str = "published"

    @property
    def token(self) -> str:
        """A word that appears only in this item's title and body (for leak checks)."""
        return f"qx{self.key}zz"


POSTS = (
    Item("p1", "open", "unclassified"),
    Item("p2", "moderated", "unclassified"),
    Item("p3", "moderated", "confidential"),
    Item("p4", "restricted", "confidential"),
    Item("p5", "restricted", "strictly_confidential"),
    Item("p6", "moderated", "confidential", "pending"),
    Item("p7", "restricted", "strictly_confidential", "hidden"),
    Item("p8", "open", "unclassified", "withdrawn"),
    Item("p9", "restricted", "unclassified"),
)
WIKI_PAGES = (
    Item("w1", "open", "unclassified"),
    Item("w2", "moderated", "unclassified"),
    Item("w3", "moderated", "confidential"),
    Item("w4", "restricted", "confidential"),
    Item("w5", "restricted", "strictly_confidential"),
)



def slug(community: str) -> str:
    """A community's slug, also its secret word: nobody who may not see it finds it anywhere."""
    return f"qc{community}zz"


def community_name(community: str) -> str:
    return f"Matrix {slug(community)}"


def page_slug(item: Item) -> str:
    # A wiki page's address is made from its title (the admin shortcut once revealed such slugs).
    return item.token


def flag_token(item: Item) -> str:
    """The word in a report's note about ``item`` (flagged by sc_reader)."""
    return f"qf{item.key}zz"


def action_token(item: Item) -> str:
    """The word in a moderator's reason for an action on ``item``."""
    return f"qa{item.key}zz"


# --- the rule, read from SPEC §2.1/§2.2 --------------------------------------------------------


def is_member(role) -> bool:
    return role in COMMUNITY_ROLE


def community_visible(role, community: str) -> bool:
    """Open and moderated communities are listed to everyone; restricted ones exist for members only."""
    return COMMUNITIES[community][0] != "restricted" or is_member(role)


def item_visible(role, item: Item) -> bool:
    community_role = COMMUNITY_ROLE.get(role)
    author = role == "author"
    if item.level == "unclassified" and COMMUNITIES[item.community][0] == "open":
        by_table = True
    elif item.level in ("unclassified", "confidential"):
        by_table = community_role is not None
    else:  # strictly confidential: author, granted readers (members), owners
        by_table = author or role == "sc_reader" or community_role == "owner"
    if item.status == "published":
        return by_table
    if item.status in ("pending", "hidden"):
        return author or (by_table and community_role in ("owner", "moderator"))
    return False  # withdrawn: nobody


def flag_visible(role, item: Item) -> bool:
    """A report's note (the reporter is a member outside the roles): the item's community's
    moderators who see the item — strictly confidential ones only its owners (SPEC §3, the queue) —
    and system managers who see the item (the site-wide flags admin goes through the rule)."""
    community_role = COMMUNITY_ROLE.get(role)
    if community_role == "owner" or (community_role == "moderator" and item.level != "strictly_confidential"):
        return item_visible(role, item)
    return role == "superuser" and item_visible(role, item)


def action_visible(role, item: Item) -> bool:
    """A moderation log row (SPEC §3): the moderators of the item's community (strictly confidential
    items: owners only) — and nobody else unless they see the item itself (system managers included:
    the site-wide log goes through the rule)."""
    community_role = COMMUNITY_ROLE.get(role)
    if community_role == "owner" or (community_role == "moderator" and item.level != "strictly_confidential"):
        return True
    return item_visible(role, item)


def secrets_hidden_from(role):
    """(token, what) for every secret word ``role`` may not meet in any answer."""
    hidden = []
    for key in COMMUNITIES:
        # Records officers' reports show metadata, community names included (SPEC §4 "Reports").
        if role == "records_officer":
            continue
        if role == "anonymous" or not community_visible(role, key):
            hidden.append((slug(key), f"community {key}"))
    for item in POSTS + WIKI_PAGES:
        if role == "anonymous" or not item_visible(role, item):
            hidden.append((item.token, str(item)))
    for item in POSTS:
        if role == "anonymous" or not flag_visible(role, item):
            hidden.append((flag_token(item), f"flag note on {item}"))
        if role == "anonymous" or not action_visible(role, item):
            hidden.append((action_token(item), f"moderation reason on {item}"))
    return hidden


# --- expected answers -------------------------------------------------------------------------

OK, CREATED, NO_CONTENT = "200", "201", "204"
BAD_REQUEST, FORBIDDEN, NOT_FOUND = "400", "403", "404"
LOGIN = "302 login"  # HTML: redirect to /accounts/login/?next=…
TERMS = "terms"  # HTML: 302 /terms/?next=…; API: 403 {"code": "terms_not_accepted"}
UNAUTHENTICATED = "401/403 not_authenticated"  # API, no credentials
ADMIN_LOGIN = "302 admin login"


def seen(visible: bool) -> str:
    return OK if visible else NOT_FOUND


@dataclass(frozen=True)
class Route:
    """One route of SPEC §6 (or a page it links to).

    ``targets``: ``None`` (a fixed path), ``"community"``, ``"post"`` or ``"wiki"``.
    ``path`` is formatted with ``slug``, ``id``, ``page``, ``outsider``, ``author``.
    ``authorized(role, target)`` is the answer for a user who passed the gates.
    """

    method: str
    path: str
    authorized: Callable
    targets: str | None = None
    body: dict | Callable | None = None
    public: bool = False  # reachable by anyone (login, terms, policies)
    terms_exempt: bool = False  # reachable before accepting the terms
    anonymous: str | None = None  # overrides the anonymous answer
    lists: bool = False  # a listing: the leak check also asks for every visible item
    list_kind: str = ""  # "post", "wiki", "both"
    list_scope: Callable | None = None  # (role, item) -> should appear
    tags: tuple = field(default_factory=tuple)


def expected(route: Route, role: str, target, api: bool) -> str:
    if role == "anonymous":
        if route.public:
            return route.authorized(role, target)
        if route.anonymous:
            return route.anonymous
        return UNAUTHENTICATED if api else LOGIN
    if role == "no_terms" and not (route.public or route.terms_exempt):
        return TERMS
    return route.authorized(role, target)


def _always(answer):
    return lambda role, target: answer


def _community_read(role, c):
    return seen(community_visible(role, c))


def _community_owner_only(role, c):
    if not community_visible(role, c):
        return NOT_FOUND
    return OK if COMMUNITY_ROLE.get(role) == "owner" else FORBIDDEN


def _community_member_writes(answer):
    def rule(role, c):
        if not community_visible(role, c):
            return NOT_FOUND
        return answer if is_member(role) else FORBIDDEN

    return rule


def _item_read(role, item):
    return seen(item_visible(role, item))


def _author_only(answer):
    def rule(role, item):
        if not item_visible(role, item):
            return NOT_FOUND
        return answer if role == "author" else FORBIDDEN

    return rule


def _wiki_write(answer):
    # SPEC §2.3: any member who can see a wiki page may edit it.
    def rule(role, item):
        if not item_visible(role, item):
            return NOT_FOUND
        return answer if is_member(role) else FORBIDDEN

    return rule


def _wiki_revert(role, item):
    # SPEC §2.3: a revert restores the revision's level and readers; on a strictly
    # confidential page that sets its readers, which only the author and owners may
    # (SPEC §2.3: a named reader is refused).
    if not item_visible(role, item):
        return NOT_FOUND
    if item.level == "strictly_confidential":
        return OK if role == "author" or COMMUNITY_ROLE.get(role) == "owner" else FORBIDDEN
    return OK if is_member(role) else FORBIDDEN


def _comment_create(role, item):
    if not item_visible(role, item):
        return NOT_FOUND
    # Members comment on published items in a non-archived community (SPEC §2.3).
    return CREATED if is_member(role) and item.status == "published" else FORBIDDEN


def _join(role, c):
    if not community_visible(role, c):
        return NOT_FOUND
    return OK


def _member_remove(role, c):
    # Owners remove anyone; the target here is the author, who may also leave by themself.
    if not community_visible(role, c):
        return NOT_FOUND
    return NO_CONTENT if COMMUNITY_ROLE.get(role) == "owner" or role == "author" else FORBIDDEN


def _post_create(role, c):
    # The community is a body field: an invisible one answers like a missing one (400, "community").
    if not community_visible(role, c):
        return BAD_REQUEST
    return CREATED if is_member(role) else FORBIDDEN


def _admin(role, target):
    return OK if role == "superuser" else ADMIN_LOGIN


def in_search(role, item):
    return item_visible(role, item)


def in_my_feed(role, item):
    # The feed: visible posts of my communities (SPEC §6 ``feed/``).
    return item_visible(role, item) and is_member(role)


def in_community(role, item, community):
    return item.community == community and item_visible(role, item)


def post_body(c):
    level = COMMUNITIES[c][1]
    return {"community": slug(c), "title": "Matrix write", "body": "<p>x</p>", "classification": level}


def wiki_body(c):
    return {"slug": "matrix-new", "title": "Matrix page", "body": "x", "classification": COMMUNITIES[c][1]}


# --- moderation and records (SPEC §3, §4) ------------------------------------------------------

MODERATION_LOGIN = "302 moderation login"  # HTML: 302 /moderation/login/?next=… (the AdminSite's own login)


def _moderation_site(role, target):
    # Owners and moderators of at least one community who accepted the terms; nobody else, not
    # even a system manager (SPEC §2.2: not exempt).
    return OK if COMMUNITY_ROLE.get(role) in ("owner", "moderator") else MODERATION_LOGIN


def _records_officer_only(role, target):
    return OK if role == "records_officer" else FORBIDDEN


def _community_queue(role, c):
    # GET communities/{slug}/moderation/: the community's owners and moderators (SPEC §3, §6).
    if not community_visible(role, c):
        return NOT_FOUND
    return OK if COMMUNITY_ROLE.get(role) in ("owner", "moderator") else FORBIDDEN


def _moderate_hide(role, item):
    # POST moderation/post/{id}/ {"action": "hide"}: invisible 404 before anything else; then
    # owners and moderators of the item's community; an item already hidden cannot be hidden again.
    if not item_visible(role, item):
        return NOT_FOUND
    if COMMUNITY_ROLE.get(role) not in ("owner", "moderator"):
        return FORBIDDEN
    return BAD_REQUEST if item.status == "hidden" else OK


def _flag_create(role, item):
    if not item_visible(role, item):
        return NOT_FOUND
    return FORBIDDEN if role == "author" else CREATED  # nobody reports their own item (SPEC §3)


def flag_body(item):
    # The body names the post by id: the test data's row for this item (a lookup, not an access check).
    from posts.models import Post

    pk = Post.objects.only("pk").get(title=f"Matrixtoken {item.token}").pk
    return {"target_type": "post", "target_id": pk, "reason": "spam", "note": "matrix"}


# --- the rest of the URL conf (every route has a row; tests/security/test_routes_covered.py) ---
# Where several answers are right for one who may act (a redirect back with a message, or the page
# again with the form's errors), the row gives them as a tuple: the point of these rows is that what
# a role may not see answers 404 and leaks nothing, and that no role gets a 500.
MISSING = 987654321  # an id no world row has
DONE = ("200", "302")  # HTML: done, or refused with a message, and back to a page
API_DONE = ("200", "201", "204", "400", "403")


def _acts_on_item(answers):
    def rule(role, item):
        return answers if item_visible(role, item) else NOT_FOUND

    return rule


def _acts_on_community(answers):
    def rule(role, c):
        return answers if community_visible(role, c) else NOT_FOUND

    return rule


def _owner_acts(answers, refused=FORBIDDEN):
    def rule(role, c):
        if not community_visible(role, c):
            return NOT_FOUND
        return answers if COMMUNITY_ROLE.get(role) == "owner" else refused

    return rule


# HTML: a refusal of a visible community's owner action is a redirect back with the message (or 403).
REFUSED = ("302", FORBIDDEN)


def _author_acts(answers):
    def rule(role, item):
        if not item_visible(role, item):
            return NOT_FOUND
        return answers if role == "author" else FORBIDDEN

    return rule


def _tag_read(role, item):
    # SPEC §2.2: a tag exists for U only through an item U can see.
    return seen(item_visible(role, item))


def _officer_missing(role, target):
    return NOT_FOUND if role == "records_officer" else FORBIDDEN


def _officer_acts(answers):
    return lambda role, target: answers if role == "records_officer" else FORBIDDEN


# A schedule no world row clashes with (the world's own covers strictly confidential posts).
SCHEDULE_JSON = {"name": "Matrix wiki schedule", "content_type": "wiki", "classification": "confidential",
                 "retain_days": 30, "disposition": "destroy", "authority": "ARMS-1"}
SCHEDULE_FORM = {**SCHEDULE_JSON, "restore_days": 30}


def _still_in_use(role, c):
    # An owner confirms a flagged community is still in use; others 403, invisible 404.
    if not community_visible(role, c):
        return NOT_FOUND
    return ("302",) if COMMUNITY_ROLE.get(role) == "owner" else ("302", FORBIDDEN)


def _wiki_revert_html(role, item):
    if not item_visible(role, item):
        return NOT_FOUND
    return DONE if is_member(role) else REFUSED


HTML_ROUTES = [
    Route("GET", "/accounts/login/", _always(OK), public=True),
    Route("GET", "/terms/", _always(OK), public=True),
    Route("GET", "/policies/", _always(OK), public=True),
    # The JavaScript catalogue (unisocial/i18n.py): static strings, the same for everyone, on every page.
    Route("GET", "/jsi18n/", _always(OK), public=True),
    # The probes (SPEC §6, §8; unisocial/health.py): anyone, before sign-in and the terms, "ok" and
    # nothing else. They name no object, so there is no existence oracle to test.
    Route("GET", "/healthz", _always(OK), public=True),
    Route("GET", "/readyz", _always(OK), public=True),
    Route("GET", "/", _always(OK), lists=True, list_kind="post", list_scope=None),
    Route("GET", "/communities/", _always(OK)),
    Route("GET", "/communities/new/", _always(OK)),
    Route("GET", "/search/?q=matrixtoken", _always(OK), lists=True, list_kind="both", list_scope=in_search),
    Route("GET", "/notifications/", _always(OK)),
    Route("GET", "/admin/", _admin, anonymous=ADMIN_LOGIN),
    Route("GET", "/communities/{slug}/", _community_read, targets="community", lists=True, list_kind="post",
          list_scope="community"),
    Route("GET", "/communities/{slug}/members/", _community_read, targets="community"),
    Route("GET", "/communities/{slug}/edit/", _community_owner_only, targets="community"),
    Route("GET", "/communities/{slug}/wiki/", _community_read, targets="community", lists=True,
          list_kind="wiki", list_scope="community"),
    Route("GET", "/communities/{slug}/wiki/new/", _community_member_writes(OK), targets="community"),
    Route("GET", "/posts/new/?community={slug}", _community_member_writes(OK), targets="community"),
    Route("GET", "/posts/{id}/", _item_read, targets="post"),
    Route("GET", "/posts/{id}/history/", _item_read, targets="post"),
    Route("GET", "/posts/{id}/edit/", _author_only(OK), targets="post"),
    Route("GET", "/communities/{slug}/wiki/{page}/", _item_read, targets="wiki"),
    Route("GET", "/communities/{slug}/wiki/{page}/history/", _item_read, targets="wiki"),
    Route("GET", "/communities/{slug}/wiki/{page}/edit/", _wiki_write(OK), targets="wiki"),
    # /moderation/ and /records/ (SPEC §3, §4): append their rows here.
    # The owners' AdminSite (SPEC §3): anyone else, anonymous included, is sent to its own login page.
    Route("GET", "/moderation/", _moderation_site, anonymous="302 moderation login"),
    Route("GET", "/moderation/queue/", _moderation_site, anonymous="302 moderation login"),
    # Records officers' reports (SPEC §4): everyone else 403, anonymous to the login page.
    Route("GET", "/records/", _records_officer_only),
    Route("GET", "/records/inventory/", _records_officer_only),
    Route("GET", "/records/batches/", _records_officer_only),
    Route("GET", "/records/stale/", _records_officer_only),
    Route("GET", "/records/due/", _records_officer_only),
    Route("GET", "/records/holds/", _records_officer_only),
    Route("GET", "/records/archiving/", _records_officer_only),
    Route("GET", "/records/access-log/", _records_officer_only),
    Route("GET", "/records/declassification/", _records_officer_only),
    Route("GET", "/records/quarantine/", _records_officer_only),
    # --- the rest of the URL conf -------------------------------------------------------------------
    Route("GET", "/accounts/logout/", _always("405"), public=True),  # POST only (Django 5)
    Route("GET", "/accounts/password_change/", _always(OK), terms_exempt=True),
    Route("GET", "/accounts/password_change/done/", _always(OK), terms_exempt=True),
    Route("GET", "/accounts/password_reset/", _always(OK), public=True),
    # OpenID Connect and deprovisioning (SPEC §7, docs/identity.md): 404 to everyone while no OIDC_*
    # setting names a provider (the matrix's world); with one they hold no content — tests/identity/.
    Route("GET", "/accounts/oidc/authenticate/", _always(NOT_FOUND), public=True),
    Route("GET", "/accounts/oidc/callback/?code=x&state=y", _always(NOT_FOUND), public=True),
    Route("POST", "/accounts/oidc/backchannel-logout/", _always(NOT_FOUND), public=True,
          body={"logout_token": "x"}),
    Route("PATCH", "/scim/v2/Users/{author}", _always(NOT_FOUND), public=True, body={"active": False}),
    Route("GET", "/people/{author}/", _always(OK)),
    Route("POST", "/people/{author}/follow/", _always(DONE)),
    Route("POST", "/people/{author}/unfollow/", _always(DONE)),
    Route("GET", "/tags/{tag}/", _tag_read, targets="post"),
    Route("POST", "/communities/{slug}/join/", _acts_on_community(DONE), targets="community"),
    Route("POST", "/communities/{slug}/leave/", _acts_on_community(DONE), targets="community"),
    Route("POST", "/communities/{slug}/members/add/", _owner_acts(DONE, REFUSED), targets="community",
          body=lambda c: {"username": "mx-outsider", "role": "member"}),
    Route("POST", "/communities/{slug}/members/{author}/role/", _owner_acts(DONE, REFUSED), targets="community",
          body={"role": "moderator"}),
    # (Removing oneself here runs the community lookup twice — a zeal N+1, see the report — so the row
    # removes mx-reporter, a member who is none of the roles.)
    Route("POST", "/communities/{slug}/members/mx-reporter/remove/", _owner_acts(DONE, REFUSED), targets="community"),
    Route("POST", "/communities/{slug}/requests/{outsider}/approve/", _owner_acts(DONE, REFUSED), targets="community"),
    Route("POST", "/communities/{slug}/requests/{outsider}/decline/", _owner_acts(DONE, REFUSED), targets="community"),
    Route("GET", "/communities/{slug}/wiki/{page}/diff/?from={version}&to={version}", _item_read, targets="wiki"),
    Route("POST", "/communities/{slug}/wiki/{page}/revert/", _wiki_revert_html, targets="wiki",
          body="first-revision"),
    Route("GET", "/communities/{slug}/wiki/{page}/attachments/{missing}/", _always(NOT_FOUND), targets="wiki"),
    Route("GET", "/posts/{id}/delete/", _author_only(OK), targets="post"),
    Route("POST", "/posts/{id}/delete/", _author_acts(DONE), targets="post"),
    Route("POST", "/posts/{id}/like/", _acts_on_item(DONE), targets="post"),
    Route("POST", "/posts/{id}/comments/", _acts_on_item(DONE), targets="post", body={"body": "A comment"}),
    Route("GET", "/posts/{id}/comments/{comment}/edit/", _author_only(DONE), targets="post"),
    Route("GET", "/posts/{id}/comments/{comment}/delete/", _author_only(DONE), targets="post"),
    Route("GET", "/posts/{id}/attachments/{missing}/", _always(NOT_FOUND), targets="post"),
    Route("GET", "/notifications/{missing}/open/", _always(NOT_FOUND)),
    Route("POST", "/notifications/{missing}/read/", _always(NOT_FOUND)),
    Route("POST", "/notifications/read-all/", _always(DONE)),
    Route("POST", "/notifications/preferences/", _always(DONE), body={"email": "never"}),
    Route("POST", "/moderation/report/post/{id}/", _acts_on_item(DONE), targets="post",
          body={"reason": "spam", "note": "matrix"}),
    Route("POST", "/records/stale/{slug}/still-in-use/", _still_in_use, targets="community"),
    Route("POST", "/records/holds/{missing}/release/", _officer_missing, body={"note": "x"}),
    Route("GET", "/records/batches/{missing}/", _officer_missing),
    Route("POST", "/records/batches/{missing}/approve/", _officer_missing),
    Route("GET", "/records/batches/{missing}/certificate/", _officer_missing),
    Route("GET", "/records/batches/{missing}/certificate.csv", _officer_missing),
    Route("GET", "/records/batches/{missing}/approve/", _officer_missing),
    # The office of record's page: a batch is visible to records officers and to owners of its
    # communities; a missing one is 404 to everyone (non-officers do not learn batches exist).
    Route("GET", "/records/batches/{missing}/confirm/nowhere/", _always(NOT_FOUND)),
    Route("POST", "/records/batches/{missing}/confirm/nowhere/", _always(NOT_FOUND)),
    Route("POST", "/records/quarantine/post/{missing}/restore/", _officer_missing),
    Route("POST", "/records/reports/inventory/run/", _officer_acts(("302",))),
    # Retention schedules (SPEC §4): not secret per item (every officer sees them all), but one answer
    # for everyone else whether the id exists or not (403 before any lookup); 404 for a missing id
    # only to an officer.
    Route("GET", "/records/schedules/", _records_officer_only),
    Route("GET", "/records/schedules/new/", _records_officer_only),
    Route("POST", "/records/schedules/new/", _officer_acts(("302",)), body=SCHEDULE_FORM),
    Route("GET", "/records/schedules/{missing}/", _officer_missing),
    Route("POST", "/records/schedules/{missing}/", _officer_missing, body=SCHEDULE_FORM),
    Route("GET", "/records/schedules/{missing}/history/", _officer_missing),
    Route("POST", "/records/gather/", _officer_acts(("302",))),
    # Archiving and un-archiving (SPEC §4): officers only; a slug no community has is a form error.
    Route("POST", "/records/archiving/", _officer_acts((BAD_REQUEST,)),
          body={"community": "qx-no-such-room", "action": "unarchive", "reason": "matrix"}),
    Route("GET", "/records/reports/{missing}/progress.json", _officer_missing),
    # Sign-in settings (SPEC §7). The second-factor pages: with nothing to confirm (the test settings
    # ask no second factor; tests/accounts/test_second_factor.py proves the gate) back to the site.
    Route("GET", "/accounts/otp/", _always(("302",)), terms_exempt=True),
    Route("GET", "/accounts/otp/enrol/", _always(("302",)), terms_exempt=True),
    # A person's own API tokens: theirs only; any other id, a missing one included, is 404.
    Route("GET", "/settings/tokens/", _always(OK)),
    Route("POST", "/settings/tokens/", _always(CREATED), body={"name": "matrix", "days": "7"}),
    Route("POST", "/settings/tokens/{missing}/revoke/", _always(NOT_FOUND)),
]

API_ROUTES = [
    Route("GET", "me/", _always(OK), terms_exempt=True),
    Route("POST", "me/accept-terms/", _always(OK), terms_exempt=True),
    # My API tokens (SPEC §7): only mine are listed; another's id answers like a missing one.
    Route("GET", "me/tokens/", _always(OK)),
    Route("POST", "me/tokens/", _always(CREATED), body={"name": "matrix", "days": 7}),
    Route("DELETE", "me/tokens/{missing}/", _always(NOT_FOUND)),
    Route("GET", "schema/?format=json", _always(OK)),
    # The schema as a browsable page and its initialising script (SPEC §6): the same for every
    # authorized user, naming no object, so no existence oracle (tests/security/test_api_docs.py).
    Route("GET", "docs/", _always(OK)),
    Route("GET", "docs/?script=", _always(OK)),
    Route("GET", "communities/", _always(OK)),
    Route("POST", "communities/", _always(CREATED),
          body={"name": "Matrix new", "slug": "matrix-new", "description": "d", "purpose": "p",
                "visibility": "open", "ceiling": "unclassified"}),
    Route("GET", "posts/", _always(OK), lists=True, list_kind="post", list_scope=in_search),
    Route("GET", "feed/", _always(OK), lists=True, list_kind="post", list_scope=in_my_feed),
    Route("GET", "search/?q=matrixtoken", _always(OK), lists=True, list_kind="both", list_scope=in_search),
    Route("GET", "notifications/", _always(OK)),
    Route("GET", "communities/{slug}/", _community_read, targets="community"),
    Route("PATCH", "communities/{slug}/", _community_owner_only, targets="community", body={"description": "new"}),
    Route("POST", "communities/{slug}/join/", _join, targets="community"),
    Route("GET", "communities/{slug}/members/", _community_read, targets="community"),
    Route("PUT", "communities/{slug}/members/{outsider}/", _community_owner_only, targets="community",
          body={"role": "member"}),
    Route("DELETE", "communities/{slug}/members/{author}/", _member_remove, targets="community"),
    Route("GET", "communities/{slug}/audience/?classification=unclassified", _community_read,
          targets="community"),
    Route("GET", "posts/?community={slug}", _always(OK), targets="community", lists=True, list_kind="post",
          list_scope="community"),
    Route("POST", "posts/", _post_create, targets="community", body=post_body),
    Route("GET", "communities/{slug}/wiki/", _community_read, targets="community", lists=True,
          list_kind="wiki", list_scope="community"),
    Route("POST", "communities/{slug}/wiki/", _community_member_writes(CREATED), targets="community",
          body=wiki_body),
    Route("GET", "posts/{id}/", _item_read, targets="post"),
    Route("PATCH", "posts/{id}/", _author_only(OK), targets="post", body={"title": "Changed"}),
    Route("DELETE", "posts/{id}/", _author_only(NO_CONTENT), targets="post"),
    Route("GET", "posts/{id}/comments/", _item_read, targets="post"),
    Route("POST", "posts/{id}/comments/", _comment_create, targets="post", body={"body": "A comment"}),
    Route("GET", "communities/{slug}/wiki/{page}/", _item_read, targets="wiki"),
    Route("PUT", "communities/{slug}/wiki/{page}/", _wiki_write(OK), targets="wiki",
          body=lambda item: {"title": "Changed", "body": "changed", "classification": item.level}),
    Route("GET", "communities/{slug}/wiki/{page}/history/", _item_read, targets="wiki"),
    Route("POST", "communities/{slug}/wiki/{page}/revert/", _wiki_revert, targets="wiki",
          body="first-revision"),
    # flags/, communities/{slug}/moderation/, moderation/…, records/… (SPEC §3, §4): append here.
    # Reporting an item: whoever sees it may report it once; an invisible item is 404 (SPEC §2.2, §3).
    Route("POST", "flags/", _flag_create, targets="post", body=flag_body),
    Route("GET", "communities/{slug}/moderation/", _community_queue, targets="community"),
    Route("POST", "moderation/post/{id}/", _moderate_hide, targets="post",
          body={"action": "hide", "reason": "matrix"}),
    Route("GET", "records/inventory/", _records_officer_only),
    Route("GET", "records/stale/", _records_officer_only),
    Route("GET", "records/due/", _records_officer_only),
    Route("GET", "records/schedules/", _records_officer_only),
    Route("GET", "records/holds/", _records_officer_only),
    Route("GET", "records/batches/", _records_officer_only),
    # Declassification review (SPEC §4): officers see the whole list, an author their own listed
    # items, anyone else an empty list — never an item's title or body (the leak check).
    Route("GET", "records/declassification/", _always(OK)),
    # --- the rest of the URL conf -------------------------------------------------------------------
    Route("GET", "no-such-endpoint/", _always(NOT_FOUND), public=True),  # the JSON 404 catch-all
    Route("GET", "communities/{slug}/requests/", _community_owner_only, targets="community"),
    Route("GET", "posts/{id}/history/", _item_read, targets="post"),
    Route("GET", "posts/{id}/likes/", _item_read, targets="post"),
    Route("POST", "posts/{id}/like/", _acts_on_item(API_DONE), targets="post"),
    Route("PATCH", "posts/{id}/comments/{comment}/", _author_only(OK), targets="post", body={"body": "changed"}),
    Route("GET", "notifications/preferences/", _always(OK)),
    Route("POST", "notifications/read-all/", _always(API_DONE)),
    Route("POST", "notifications/{missing}/read/", _always(NOT_FOUND)),
    Route("POST", "records/stale/{slug}/still-in-use/", _owner_acts(API_DONE), targets="community"),
    Route("GET", "records/schedules/{missing}/", _officer_missing),
    Route("POST", "records/schedules/", _officer_acts((CREATED,)), body=SCHEDULE_JSON),
    Route("PATCH", "records/schedules/{missing}/", _officer_missing, body={"retain_days": 2}),
    Route("GET", "records/schedules/{missing}/history/", _officer_missing),
    Route("GET", "records/holds/{missing}/", _officer_missing),
    Route("POST", "records/holds/{missing}/release/", _officer_missing, body={"note": "x"}),
    Route("GET", "records/batches/{missing}/", _officer_missing),
    Route("POST", "records/batches/{missing}/approve/", _officer_missing),
    Route("GET", "records/batches/{missing}/certificate/", _officer_missing),
    Route("GET", "records/batches/{missing}/items/", _officer_missing),
    Route("POST", "records/batches/{missing}/confirm/", _always(NOT_FOUND), body={"community": "nowhere"}),
    Route("GET", "records/quarantine/", _records_officer_only),
    Route("POST", "records/quarantine/post/{missing}/restore/", _officer_missing),
    Route("POST", "records/communities/{missing}/archive/", _officer_missing, body={"reason": "matrix"}),
    Route("POST", "records/communities/{missing}/unarchive/", _officer_missing, body={"reason": "matrix"}),
]


# --- community exports (SPEC §4 "Community export", §6 communities/{slug}/export/, …/exports/{id}/) ---
# ``{export}`` is the owner role's own export of the community (queued: not downloadable yet). Only
# the owner who asked sees it: other members 403 (they may not export), invisible communities 404,
# and an export id that is not theirs 404 — for an owner too ({missing}; test_existence_oracles.py
# holds the rows for another person's and another community's export).


def _owner_missing(role, c):
    if not community_visible(role, c):
        return NOT_FOUND
    return NOT_FOUND if COMMUNITY_ROLE.get(role) == "owner" else FORBIDDEN


HTML_ROUTES += [
    Route("GET", "/communities/{slug}/exports/", _community_owner_only, targets="community"),
    Route("POST", "/communities/{slug}/export/", _owner_acts(("302",)), targets="community"),
    Route("GET", "/communities/{slug}/exports/{export}/", _community_owner_only, targets="community"),
    Route("GET", "/communities/{slug}/exports/{export}/progress.json", _community_owner_only, targets="community"),
    # Not built yet: back to the export's page with a message.
    Route("GET", "/communities/{slug}/exports/{export}/download/", _owner_acts(("302",)), targets="community"),
    Route("GET", "/communities/{slug}/exports/{missing}/", _owner_missing, targets="community"),
    Route("GET", "/communities/{slug}/exports/{missing}/download/", _owner_missing, targets="community"),
]

API_ROUTES += [
    Route("POST", "communities/{slug}/export/", _owner_acts("202"), targets="community"),
    Route("GET", "communities/{slug}/exports/{export}/", _community_owner_only, targets="community"),
    Route("GET", "communities/{slug}/exports/{export}/download/", _owner_acts("409"), targets="community"),
    Route("GET", "communities/{slug}/exports/{missing}/", _owner_missing, targets="community"),
    Route("GET", "communities/{slug}/exports/{missing}/download/", _owner_missing, targets="community"),
]


# --- people: profiles, the people picker, confirmations (SPEC §2.5) ---------------------------------
# A profile is any active person's (their posts through the rule: the leak check); an unknown one 404.
# Removing a member and reverting a wiki page ask first: their GET is the confirmation page.


def _wiki_revert_confirm(role, item):
    # The confirmation asks the write's own checks: a member of the writable community, and for a
    # strictly confidential revision (it sets the readers) the author or an owner (SPEC §2.3).
    return _wiki_revert(role, item)


def _owner_adds(answer):
    def rule(role, c):
        if not community_visible(role, c):
            return NOT_FOUND
        return answer if COMMUNITY_ROLE.get(role) == "owner" else FORBIDDEN

    return rule


HTML_ROUTES += [
    Route("GET", "/people/mx-nobody-at-all/", _always(NOT_FOUND)),
    Route("GET", "/communities/{slug}/members/{author}/remove/", _community_owner_only, targets="community"),
    Route("GET", "/communities/{slug}/members/{outsider}/remove/", _owner_missing, targets="community"),
    Route("GET", "/communities/{slug}/wiki/{page}/revert/?version={version}", _wiki_revert_confirm,
          targets="wiki"),
    # No such revision: 404 to everyone, before any check (the page's history is no secret to them).
    Route("GET", "/communities/{slug}/wiki/{page}/revert/?version={missing}", _always(NOT_FOUND),
          targets="wiki"),
]

API_ROUTES += [
    Route("POST", "communities/{slug}/members/", _owner_adds(CREATED), targets="community",
          body={"username": "mx-outsider", "role": "member"}),
    # An existing member: refused, their role unchanged (SPEC §2.5).
    Route("POST", "communities/{slug}/members/", _owner_adds(BAD_REQUEST), targets="community",
          body={"username": "mx-moderator", "role": "member"}),
    Route("GET", "people/?q=mx", _always(OK)),
    Route("GET", "people/?q=mx&community={slug}", _community_read, targets="community"),
]


# --- @mention suggestions (SPEC §2.3, §6 ``communities/{slug}/audience/?…&q=``): for those who may
# write in the community (members; an invisible community 404, anyone else 403) ---------------------

API_ROUTES += [
    Route("GET", "communities/{slug}/audience/?classification=unclassified&q=mx", _community_member_writes(OK),
          targets="community"),
    Route("GET", "communities/{slug}/audience/?classification=unclassified&q=", _community_member_writes(BAD_REQUEST),
          targets="community"),
]

# --- moderation actions in the browser (SPEC §3: every action on the queue's cards and the item's page) ---
# POST /moderation/act/{type}/{id}/ (moderation.views.act): an invisible item 404 before anything else;
# then its community's owners and moderators act (302 back, done or refused with a message: p7 is
# already hidden), anyone else who sees it 403. GET is 405 to everyone, anonymous included.


def _moderate_html(role, item):
    if not item_visible(role, item):
        return NOT_FOUND
    if COMMUNITY_ROLE.get(role) not in ("owner", "moderator"):
        return FORBIDDEN
    return DONE


HTML_ROUTES += [
    Route("POST", "/moderation/act/post/{id}/", _moderate_html, targets="post",
          body={"action": "hide", "reason": "matrix"}),
    Route("POST", "/moderation/act/comment/{comment}/", _moderate_html, targets="post",
          body={"action": "hide", "reason": "matrix"}),
    Route("GET", "/moderation/act/post/{id}/", _always("405"), targets="post", anonymous="405"),
]


# --- the editor setting (SPEC §2.3): a person chooses the rich-text editor or Markdown for themselves ---
# POST /settings/editor/ changes only the signed-in person's own setting and names no object (nothing
# to hide, so no existence oracle); back to their profile. GET is 405 to everyone, anonymous included.
HTML_ROUTES += [
    Route("POST", "/settings/editor/", _always(DONE), body={"editor": "markdown"}),
    Route("GET", "/settings/editor/", _always("405"), anonymous="405"),
]

# --- the language setting (SPEC §7): a person chooses their own language (or the browser's) ---
# Like the editor setting: only the signed-in person's own choice, no object named; GET is 405.
HTML_ROUTES += [
    Route("POST", "/settings/language/", _always(DONE), body={"language": "fr"}),
    Route("GET", "/settings/language/", _always("405"), anonymous="405"),
]
