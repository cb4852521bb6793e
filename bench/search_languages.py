"""Search timings per language (SPEC §7, docs/performance.md "Search per language").

    .venv/bin/python bench/search_languages.py                     # 100k posts, 60 requests per row
    .venv/bin/python bench/search_languages.py --posts 100000 --requests 100
    dropdb -h 127.0.0.1 -U postgres unisocial_bench_100k_languages         # to re-localise

Seeds its own database, ``unisocial_bench_<size>_languages`` (``bench/seed.py``'s world, so the
shared ``unisocial_bench_<size>`` of ``bench/run.py`` is left as it is), then once gives the posts
the six languages in turn (``id % 6``) with realistic sentences of that language in front of each
body's Zipf keyword line (Chinese bodies in Chinese, segmented by jieba as a save would); the
comments take their post's language. Then, for each language, every bench user is given that
language (the searcher's language: the query is parsed in it and in 'simple') and the search API
and page are timed with Django's in-process test ``Client`` over words of that language in
another inflection than the stored one (common ones, and a rare one in 1 % of the posts), a
cross-language name ("Guterres", stored in every
language's sentences), and a common and a rare synthetic word. The minimal view
(``/bench/minimal/``, bench/load/urls.py: every middleware, no work) is requested between two
timed requests, so a row's cost can be read against the machine's state at that moment.

Prints a table of p50 and p95 per language (ms) and the document sizes. Nothing here runs in
the test suite.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

_database_name = common.database_name
common.database_name = lambda n: f"{_database_name(n)}_languages"  # our own database

LANGUAGES = ["ar", "zh-hans", "en", "fr", "ru", "es"]
NAME = "Guterres"
# Sentences in each language (a UN press-release register), with the forms the queries do not use.
SENTENCES = {
    "en": [
        "The delegations negotiated through the night on the humanitarian corridors.",
        "Secretary-General Guterres welcomed the agreements reached by the negotiators.",
        "Member States reaffirmed their commitments to sustainable development financing.",
        "The peacekeeping missions reported improved conditions for refugees in the region.",
    ],
    "fr": [
        "Les délégations ont négocié toute la nuit sur les couloirs humanitaires.",
        "Le Secrétaire général Guterres a salué les accords conclus par les négociateurs.",
        "Les États Membres ont réaffirmé leurs engagements en faveur du financement du développement.",
        "Les missions de maintien de la paix ont signalé une amélioration pour les réfugiés.",
    ],
    "ru": [
        "Делегации вели переговоры всю ночь о гуманитарных коридорах.",
        "Генеральный секретарь Guterres приветствовал соглашения, достигнутые участниками переговоров.",
        "Государства-члены подтвердили свои обязательства по финансированию устойчивого развития.",
        "Миротворческие миссии сообщили об улучшении условий для беженцев в регионе.",
    ],
    "es": [
        "Las delegaciones negociaron toda la noche sobre los corredores humanitarios.",
        "El Secretario General Guterres celebró los acuerdos alcanzados por los negociadores.",
        "Los Estados Miembros reafirmaron sus compromisos con la financiación del desarrollo sostenible.",
        "Las misiones de mantenimiento de la paz informaron de mejores condiciones para los refugiados.",
    ],
    "ar": [
        "تفاوضت الوفود طوال الليل بشأن الممرات الإنسانية.",
        "رحب الأمين العام Guterres بالاتفاقات التي توصل إليها المفاوضون من أجل السلام.",
        "أكدت الدول الأعضاء من جديد التزاماتها بتمويل التنمية المستدامة.",
        "أفادت بعثات حفظ السلام بتحسن الأوضاع للاجئين في المنطقة.",
    ],
    "zh-hans": [
        "各代表团就人道主义走廊进行了通宵谈判。",
        "秘书长Guterres欢迎谈判代表达成的协议。",
        "会员国重申了对可持续发展筹资的承诺。",
        "维持和平特派团报告说，该地区难民的状况有所改善。",
    ],
}
# A sentence added to 1 % of the posts (``id % 100 == 7``): a rare word in each language.
RARE = {
    "en": ("The ambassadors ratified the maritime boundary treaty.", "treaties"),
    "fr": ("Les ambassadeurs ont ratifié le traité sur la frontière maritime.", "traités"),
    "ru": ("Послы ратифицировали договор о морской границе.", "договора"),
    "es": ("Los embajadores ratificaron el tratado sobre la frontera marítima.", "tratados"),
    "ar": ("صادق السفراء على معاهدة الحدود البحرية.", "المعاهدة"),
    "zh-hans": ("大使们批准了海洋边界条约。", "条约"),
}
# Per language: words in another inflection than stored (stems), then a two-word query.
QUERIES = {
    "en": ["negotiation", "agreement", "commitment", "refugee", "humanitarian corridor"],
    "fr": ["négociation", "accord", "engagement", "réfugié", "couloir humanitaire"],
    "ru": ["переговорах", "соглашение", "обязательство", "беженцы", "гуманитарный коридор"],
    "es": ["negociación", "acuerdo", "compromiso", "refugiado", "corredor humanitario"],
    "ar": ["سلام", "الوفد", "اللاجئين", "التنمية", "الممرات الإنسانية"],
    "zh-hans": ["谈判", "发展", "可持续", "难民", "人道主义 走廊"],
}


def localise(out=sys.stderr):
    """Give the seeded posts their languages and sentences, once (idempotent)."""
    from django.db import connection, transaction

    from posts.languages import segmented

    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM posts_post WHERE language = 'zh-hans')")
        if cur.fetchone()[0]:
            print("posts already localised", file=out)
            return
        began = time.monotonic()
        rng = random.Random(16)
        cur.execute("SELECT id, body FROM posts_post ORDER BY id")
        rows = cur.fetchall()
        updates = []
        for pid, body in rows:
            language = LANGUAGES[pid % len(LANGUAGES)]
            keywords = body[body.rfind("<p>Keywords:"):] if "<p>Keywords:" in body else ""
            text = " ".join(rng.sample(SENTENCES[language], 2))
            if pid % 100 == 7:
                text += " " + RARE[language][0]
            new_body = f"<p>{text}</p>{keywords}"
            title = SENTENCES[language][pid % 4][:60]
            updates.append((pid, language, title, new_body, segmented(title, new_body)))
        print(f"  bodies written and Chinese segmented in {time.monotonic() - began:.0f}s", file=out)
        with transaction.atomic():
            cur.execute("CREATE TEMP TABLE lang_rows (id bigint, language text, title text, body text, seg text)")
            from io import StringIO

            buf = StringIO()
            for row in updates:
                buf.write("\t".join(str(v).replace("\\", "\\\\").replace("\t", " ").replace("\n", "\\n")
                                    for v in row) + "\n")
            buf.seek(0)
            cur.copy_expert("COPY lang_rows FROM STDIN", buf)
            cur.execute(
                "UPDATE posts_post p SET language = r.language, title = r.title, body = r.body, "
                "body_source = r.body, segmented = r.seg FROM lang_rows r WHERE p.id = r.id"
            )
            cur.execute(
                "UPDATE posts_comment c SET language = p.language FROM posts_post p WHERE c.post_id = p.id"
            )
            cur.execute("UPDATE posts_wikipage SET language = 'en' WHERE language = ''")
        cur.execute("VACUUM ANALYZE posts_post")
        cur.execute("VACUUM ANALYZE posts_comment")
        print(f"  localised {len(updates)} posts in {time.monotonic() - began:.0f}s", file=out)


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def stats(samples):
    ms = [s * 1000 for s in samples]
    return statistics.median(ms), percentile(ms, 95)


def measure(n_posts, n_requests, n_users, out=sys.stderr):
    from bench.run import search_terms
    from bench.seed import seed

    seed(n_posts, out=out)
    localise(out)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    User = get_user_model()
    everyone = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    users = everyone[:: max(1, len(everyone) // n_users)][:n_users]
    zipf = search_terms()
    common_word, rare_word = zipf[0], zipf[-1]
    results = {}
    with override_settings(ROOT_URLCONF="bench.load.urls"):
        clients = {}
        for user in users:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
        for language in LANGUAGES:
            User.objects.filter(pk__in=[u.pk for u in users]).update(language=language)
            rows = {
                "words": QUERIES[language],
                "rare": [RARE[language][1]],
                "name": [NAME],
                "zipf": [common_word, rare_word],
            }
            for kind, terms in rows.items():
                for path in ("/api/v1/search/", "/search/"):
                    for i in range(3):  # warm-up
                        clients[users[i].pk].get(path, {"q": terms[i % len(terms)]})
                    timed, minimal = [], []
                    for i in range(n_requests):
                        client = clients[users[i % len(users)].pk]
                        start = time.perf_counter()
                        response = client.get(path, {"q": terms[i % len(terms)]})
                        timed.append(time.perf_counter() - start)
                        assert response.status_code == 200, (path, response.status_code)
                        start = time.perf_counter()
                        client.get("/bench/minimal/")
                        minimal.append(time.perf_counter() - start)
                    results[(language, kind, path)] = (stats(timed), stats(minimal))
                    print(f"  {language} {kind} {path}: p50 {results[(language, kind, path)][0][0]:.1f} ms",
                          file=out, flush=True)
        # How many results a words query has (the ranking's work grows with the matches).
        from feed.search import full_text_query

        counts = {}
        for language in LANGUAGES:
            counts[language] = _matches(full_text_query(QUERIES[language][0], language))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT language, count(*), avg(pg_column_size(search_document))::int, "
            "avg(pg_column_size(setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector("
            "'english', regexp_replace(body, '<[^>]*>', ' ', 'g')), 'B')))::int "
            "FROM posts_post GROUP BY language ORDER BY language"
        )
        sizes = cur.fetchall()
        cur.execute("SELECT pg_size_pretty(pg_relation_size('post_search_vector'))")
        index_size = cur.fetchone()[0]
    return results, counts, sizes, index_size


def _matches(query):
    from feed.search import _StoredDocument
    from posts.models import Post

    return Post.objects.annotate(document=_StoredDocument()).filter(document=query).count()


def table(n_posts, n_requests, results, counts, sizes, index_size):
    lines = [
        f"### {n_posts:,} posts, {n_requests} requests per cell",
        "",
        "| searcher's language | query | API p50 | API p95 | page p50 | page p95 | minimal p50 / p95 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    labels = {"words": "its words, other inflections", "rare": "a rare word (1 % of posts), other inflection",
              "name": f"“{NAME}” (across languages)",
              "zipf": "a common and a rare synthetic word"}
    for language in LANGUAGES:
        for kind in ("words", "rare", "name", "zipf"):
            (api50, api95), (m50, m95) = results[(language, kind, "/api/v1/search/")]
            (page50, page95), _ = results[(language, kind, "/search/")]
            lines.append(f"| {language} | {labels[kind]} | {api50:.1f} | {api95:.1f} | {page50:.1f} | "
                         f"{page95:.1f} | {m50:.1f} / {m95:.1f} |")
    lines += ["", "| language | posts | matches of its first word (any language) | document bytes (avg) | "
              "English-only document of 0009 (avg) |", "|---|---:|---:|---:|---:|"]
    for language, n, size, old in sizes:
        lines.append(f"| {language or '(none)'} | {n:,} | {counts.get(language, '')} | {size} | {old} |")
    lines += ["", f"GIN index post_search_vector: {index_size}."]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Time the search per language at scale.")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args(argv)
    print(f"unisocial search per language — {time.strftime('%Y-%m-%d %H:%M %Z')}, "
          f"{__import__('os').cpu_count()} CPUs\n")
    results, counts, sizes, index_size = measure(args.posts, args.requests, args.users)
    print(table(args.posts, args.requests, results, counts, sizes, index_size))


if __name__ == "__main__":
    main()
