"""Every post, wiki page and comment records its language, and the stored search document is
parsed in it (SPEC §7; posts/languages.py, docs/performance.md "Search per language").

1. ``language`` on posts, wiki pages, comments and their history; ``segmented`` (the
   jieba-segmented text of items holding Chinese, filled at save time) on the three tables.
2. Existing rows: an item's language is its author's (blank: ``settings.LANGUAGE_CODE``), a
   comment's its post's, a history row's its item's current one; rows holding CJK characters are
   segmented.
3. PostgreSQL: the generated ``search_document`` of 0009 is dropped and added again as

       setweight(to_tsvector(cfg, title) || to_tsvector('simple', title), 'A')
         || setweight(to_tsvector(cfg, body) || to_tsvector('simple', body), 'B')

   where ``cfg`` is the row's language's configuration (english, french, russian, spanish,
   arabic; ``simple`` for Chinese and anything else, whose ``simple`` half is then left out so as
   not to hold every word twice), and title and body are the ``segmented`` text when there is
   one. The stems serve a query parsed in the item's language, the ``simple`` words a query
   parsed in ``simple`` (names, and words as written, across languages). Re-adding the column
   rebuilds every document (a table rewrite under an exclusive lock: plan the deployment).

The mapping below is frozen here on purpose (posts/languages.CONFIGS is today's copy): changing
it needs a migration that rebuilds the documents.
"""
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

CONFIGS = {"en": "english", "fr": "french", "ru": "russian", "es": "spanish", "ar": "arabic"}
CFG = (
    "(CASE language "
    + " ".join(f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in CONFIGS.items())
    + " ELSE 'simple'::regconfig END)"
)
STEMMED = "(language IN (" + ", ".join(f"'{code}'" for code in CONFIGS) + "))"
TITLE = "(CASE WHEN segmented = '' THEN COALESCE(title, '') ELSE split_part(segmented, E'\\n', 1) END)"
BODY = (
    "(CASE WHEN segmented = '' THEN COALESCE(regexp_replace(body, '<[^>]*>', ' ', 'g'), '') "
    "ELSE split_part(segmented, E'\\n', 2) END)"
)
COMMENT_BODY = (
    "(CASE WHEN segmented = '' THEN COALESCE(regexp_replace(body, '<[^>]*>', ' ', 'g'), '') "
    "ELSE segmented END)"
)


def weighted(text, weight):
    return (
        f"setweight(to_tsvector({CFG}, {text}) || CASE WHEN {STEMMED} "
        f"THEN to_tsvector('simple'::regconfig, {text}) ELSE ''::tsvector END, '{weight}')"
    )


TITLED = f"({weighted(TITLE, 'A')} || {weighted(BODY, 'B')})"
TABLES = [
    ("posts_post", TITLED, "post_search_vector"),
    ("posts_comment", weighted(COMMENT_BODY, "B"), "comment_search_vector"),
    ("posts_wikipage", TITLED, "wikipage_search_vector"),
]


def _document(schema_editor, tables):
    for table, document, index in tables:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
        schema_editor.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS search_document')
        schema_editor.execute(
            f'ALTER TABLE "{table}" ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({document}) STORED'
        )
        schema_editor.execute(f'CREATE INDEX "{index}" ON "{table}" USING gin (search_document)')


def forwards(apps, schema_editor):
    from posts.languages import segmented  # the segmentation of today's code (jieba)

    User = apps.get_model(settings.AUTH_USER_MODEL)
    site = Value(settings.LANGUAGE_CODE)
    for name in ("Post", "WikiPage"):
        model = apps.get_model("posts", name)
        author_language = User.objects.filter(pk=OuterRef("author_id")).values("language")[:1]
        model.objects.filter(language="").update(
            language=Coalesce(NullIf(Subquery(author_language), Value("")), site)
        )
        history = apps.get_model("posts", f"Historical{name}")
        current = model.objects.filter(pk=OuterRef("id")).values("language")[:1]
        history.objects.filter(language="").update(language=Coalesce(Subquery(current), site))
    Post = apps.get_model("posts", "Post")
    Comment = apps.get_model("posts", "Comment")
    post_language = Post.objects.filter(pk=OuterRef("post_id")).values("language")[:1]
    Comment.objects.filter(language="").update(language=Coalesce(Subquery(post_language), site))
    history = apps.get_model("posts", "HistoricalComment")
    current = Comment.objects.filter(pk=OuterRef("id")).values("language")[:1]
    history.objects.filter(language="").update(language=Coalesce(Subquery(current), site))

    # Rows holding CJK characters (a pre-filter; segmented() decides): segmented in batches.
    cjk = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
    for name, titled in (("Post", True), ("WikiPage", True), ("Comment", False)):
        model = apps.get_model("posts", name)
        rows = model.objects.filter(body__regex=cjk)
        if titled:
            rows = model.objects.filter(models.Q(body__regex=cjk) | models.Q(title__regex=cjk))
        batch = []
        for row in rows.only("pk", "body", *(["title"] if titled else [])).iterator(chunk_size=1000):
            row.segmented = segmented(row.title if titled else "", row.body)
            batch.append(row)
            if len(batch) == 1000:
                model.objects.bulk_update(batch, ["segmented"])
                batch = []
        model.objects.bulk_update(batch, ["segmented"])

    if schema_editor.connection.vendor == "postgresql":
        _document(schema_editor, TABLES)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from importlib import import_module

    previous = import_module("posts.migrations.0009_stored_search_documents")
    _document(schema_editor, [(table, document, index) for table, document, index, _old in previous.TABLES])



class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0016_comment_body_format'),
        ('unisocial', '0004_user_language'),
    ]

    operations = [
        migrations.AddField(
            model_name='comment',
            name='language',
            field=models.CharField(blank=True, choices=[('ar', 'Arabic'), ('zh-hans', 'Chinese'), ('en', 'English'), ('fr', 'French'), ('ru', 'Russian'), ('es', 'Spanish')], editable=False, max_length=10, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='comment',
            name='segmented',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='historicalcomment',
            name='language',
            field=models.CharField(blank=True, choices=[('ar', 'Arabic'), ('zh-hans', 'Chinese'), ('en', 'English'), ('fr', 'French'), ('ru', 'Russian'), ('es', 'Spanish')], editable=False, max_length=10, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='historicalpost',
            name='language',
            field=models.CharField(blank=True, choices=[('ar', 'Arabic'), ('zh-hans', 'Chinese'), ('en', 'English'), ('fr', 'French'), ('ru', 'Russian'), ('es', 'Spanish')], max_length=10, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='historicalwikipage',
            name='language',
            field=models.CharField(blank=True, choices=[('ar', 'Arabic'), ('zh-hans', 'Chinese'), ('en', 'English'), ('fr', 'French'), ('ru', 'Russian'), ('es', 'Spanish')], max_length=10, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='post',
            name='language',
            field=models.CharField(blank=True, choices=[('ar', 'Arabic'), ('zh-hans', 'Chinese'), ('en', 'English'), ('fr', 'French'), ('ru', 'Russian'), ('es', 'Spanish')], max_length=10, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='post',
            name='segmented',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='wikipage',
            name='language',
            field=models.CharField(blank=True, choices=[('ar', 'Arabic'), ('zh-hans', 'Chinese'), ('en', 'English'), ('fr', 'French'), ('ru', 'Russian'), ('es', 'Spanish')], max_length=10, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='wikipage',
            name='segmented',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
