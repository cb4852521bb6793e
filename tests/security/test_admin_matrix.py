"""The authorization matrix of both admin sites (SPEC §2.2): every registered ModelAdmin's pages ×
every role × every world row, generated from the registries (``admin_matrix.py``).

A known leak not yet fixed may be listed in
``KNOWN``: the site tests ignore exactly those failures, and one strict xfail per finding asserts
they are gone — so the suite is green today and turns red (XPASS strict) when the fix merges,
telling whoever merges to remove the entry.
"""
import re

import pytest
from django.db import transaction
from zeal import zeal_ignore

from . import admin_matrix as am
from . import matrix as m
from .world import answer, build_world, clients, content, leaks

pytestmark = pytest.mark.django_db


# (id, reason, predicate over a failure) — each must match at least one failure today (strict xfail).
KNOWN = [
    # (id, reason, predicate): a leak found and not yet fixed, as a strict xfail. None today.
]

_RESULTS = {}


def _normalise(response, case):
    got = answer(response)
    location = response.get("Location", "")
    if response.status_code in (301, 302) and got == str(response.status_code):
        got = f"{got} {location.replace(case.target_id, '<id>') if case.target_id else location}"
    return got


def run_site(world, site_name):
    """Every case of one site as every role; returns (cases run, failures)."""
    cases = [c for c in am.admin_cases(world) if c.site == site_name]
    made = clients(world, api=False)
    failures = []
    missing_answers = {}
    count = 0

    for client in made.values():
        client.raise_request_exception = False  # a 500 is a failure of its case, not the end of the run

    def get(role, path):
        # N+1 queries are not what this matrix looks for (zeal stays on in test_matrix.py).
        with zeal_ignore(), transaction.atomic():
            response = made[role].get(path)
            transaction.set_rollback(True)
        return response

    gated = set()
    for case in cases:
        for role in m.ROLES:
            want = am.expected(case, role)
            if not case.ungated and am.passes_gate(case.site, role) is not None:
                # The gate is per page, not per row: once per (page, role) is enough.
                if (case.admin, case.kind, role) in gated:
                    continue
                gated.add((case.admin, case.kind, role))
            response = get(role, case.path)
            count += 1
            got = _normalise(response, case)
            where = f"GET {case.path} ({case.admin} {case.kind} {case.target}) as {role}"

            def fail(message, case=case, role=role, where=where):
                failures.append({"site": case.site, "admin": case.admin, "kind": case.kind, "target": case.target,
                                 "role": role, "message": f"{where}: {message}"})

            if response.status_code >= 500:
                fail(f"server error {response.status_code}")
            if want == am.SAME_AS_MISSING:
                key = (case.missing_path, role)
                if key not in missing_answers:
                    missing_answers[key] = _normalise(get(role, case.missing_path), case.__class__(
                        case.site, case.admin, case.kind, case.missing_path, target_id=str(am.MISSING_ID)))
                if got != missing_answers[key]:
                    fail(f"invisible: expected the missing id's answer {missing_answers[key]!r}, got {got!r}")
            elif got.split(" ")[0] not in want and got not in want:
                fail(f"expected one of {want}, got {got!r}")
            for what in leaks(role, content(response), asked=case.path):
                fail(f"LEAK of {what}")
    return count, failures


def _results(request, site_name):
    config = request.config
    if site_name not in _RESULTS:
        count, failures = run_site(request.getfixturevalue("world"), site_name)
        _RESULTS[site_name] = failures
        config.stash.setdefault(m.MATRIX_CASES, []).append(count)
        config.stash.setdefault(m.ADMIN_CASES, []).append(count)
        print(f"{count} cases ({site_name} site)")
    return _RESULTS[site_name]


def _known(failure):
    return [k for k, _reason, pred in KNOWN if pred(failure)]


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("site_name", ["admin", "moderation"])
def test_every_admin_page_answers_every_role_as_the_table_says(site_name, request):
    failures = _results(request, site_name)
    unknown = [f["message"] for f in failures if not _known(f)]
    assert not unknown, f"{len(unknown)} failures:\n" + "\n".join(unknown[:200])


if KNOWN:  # a strict xfail per known leak: XPASS (red) tells whoever fixes it to remove its entry

    @pytest.mark.parametrize(
        "known", [pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=reason), id=k) for k, reason, _p in KNOWN]
    )
    def test_known_admin_leak_is_gone(known, request):
        failures = [f for site in ("admin", "moderation") for f in _results(request, site)
                    if known in _known(f)]
        assert not failures, "\n".join(f["message"] for f in failures[:50])


def test_the_generated_rows_cover_every_registered_model_admin(world):
    """Every ModelAdmin of both sites has its changelist, add, change, history and delete rows."""
    cases = am.admin_cases(world)
    for site_name, site in am.sites().items():
        for model in site._registry:
            label = model._meta.label_lower
            kinds = {c.kind for c in cases if c.site == site_name and c.admin == label}
            assert {"changelist", "add", "change", "history", "delete"} <= kinds, (site_name, label, kinds)
    for site_name, site in am.sites().items():
        if any(getattr(p, "name", None) == "view_on_site" for p in site.get_urls()):
            assert re.search(rf"^/{site_name}/r/\d+/\d+/$", "\n".join(c.path for c in cases), re.M), site_name
