"""The load test's pieces that can be checked without a server (docs/performance.md).

The load run itself (gunicorn + wrk, bench/load/run.py) never runs in the suite and
no test asserts a timing; these check its urlconf, settings, argument parsing and tables.
"""
import argparse
import importlib

import pytest
from django.test import override_settings

from bench.load import run


def test_the_ceiling_view_answers_through_the_site_middleware_in_the_bench_urlconf(client, user):
    client.force_login(user)
    with override_settings(ROOT_URLCONF="bench.load.urls"):
        response = client.get("/bench/minimal/")
        assert response.status_code == 200
        assert response.content == b"ok"
        # the site's own routes are all still there
        assert client.get("/api/v1/feed/").status_code == 200
    # …and the production urlconf has no such route
    assert client.get("/bench/minimal/").status_code == 404


def test_the_load_settings_only_add_the_bench_differences():
    settings = importlib.import_module("bench.load.settings")
    assert settings.ROOT_URLCONF == "bench.load.urls"
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] is None
    assert settings.POST_RATE_PER_HOUR > 10_000
    base = importlib.import_module("unisocial.settings.base")
    assert base.ROOT_URLCONF == "unisocial.urls"
    assert settings.MIDDLEWARE == base.MIDDLEWARE
    assert settings.REST_FRAMEWORK == base.REST_FRAMEWORK


def test_mix_argument_parses_weights_and_refuses_unknown_kinds():
    assert run.parse_mix("feed=40, post=25,create=2") == {"feed": 40, "post": 25, "create": 2}
    for bad in ("feed=x", "likes=3", "feed", "feed=0", "feed=-1"):
        with pytest.raises(argparse.ArgumentTypeError):
            run.parse_mix(bad)
    args = run.parser().parse_args(["--size", "10000", "--mix", "feed=1,search=1", "--duration", "5"])
    assert (args.size, args.duration, args.mix) == (10_000, 5, {"feed": 1, "search": 1})


def test_request_list_keeps_the_mix_proportions_and_formats_each_kind():
    users = [{"session": f"s{i}", "token": f"t{i}", "communities": ["c"], "posts": [7]} for i in range(3)]
    lines = run.request_list({"feed": 3, "create": 1}, users, ["word"], length=400)
    kinds = [line.split("\t")[0] for line in lines]
    assert kinds.count("feed") == 300 and kinds.count("create") == 100
    feed = next(line for line in lines if line.startswith("feed")).split("\t")
    assert feed[1:3] == ["GET", "/api/v1/feed/"] and feed[3].startswith("c:s")
    create = next(line for line in lines if line.startswith("create")).split("\t")
    assert create[1:3] == ["POST", "/api/v1/posts/"] and create[3].startswith("t:t")
    assert '"community": "c"' in create[4]


def test_summary_and_table_per_kind_with_errors_and_share_of_the_ceiling():
    records = [("feed", 200, 10_000)] * 98 + [("feed", 500, 90_000), ("create", 201, 50_000), ("create", 429, 1)]
    stats = run.summarize(records, seconds=10.0, socket_errors=2)
    assert stats["feed"]["n"] == 99 and stats["feed"]["errors"] == 1
    assert stats["feed"]["rps"] == pytest.approx(9.9)
    assert stats["feed"]["p50"] == pytest.approx(10.0)
    assert stats["create"]["errors"] == 1  # a 201 is a create's success; anything else is not
    assert stats["all"]["errors"] == 1 + 1 + 2  # plus wrk's socket errors
    text = run.table("mix", stats, ceiling_rps=99.0)
    assert "| feed | 99 | 9.9 | 10.0 % | 10.0 |" in text
    assert text.splitlines()[0] == "#### mix"
    # 10 % of the ceiling with p99 ≤ 100 ms: met without errors, not met with one
    assert run.verdict({"feed": {**stats["feed"], "errors": 0}}, ceiling_rps=99.0).endswith(": met")
    assert run.verdict({"feed": stats["feed"]}, ceiling_rps=99.0).endswith("NOT met")
    assert run.verdict({"feed": {**stats["feed"], "errors": 0}}, ceiling_rps=200.0).endswith("NOT met")
