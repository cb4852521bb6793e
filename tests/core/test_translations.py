"""The translation catalogues (SPEC §7): every language of settings.LANGUAGES but English has a
complete django.po and djangojs.po in locale/<l>/LC_MESSAGES/, and its committed .mo is compiled
from it.

For each language and domain:
- both catalogues exist; no message is untranslated, none fuzzy;
- each msgstr (every plural form) keeps the msgid's placeholders (``%(name)s``, ``%s``, ``{name}``)
  and HTML tags;
- the Plural-Forms header is the language's (``PLURAL_FORMS``);
- ``msgfmt --check`` passes (GNU gettext; skipped with the reason when it is missing);
- the committed .mo holds exactly the .po's translations (compiled from the current .po);
- the catalogue covers the source: makemessages run over a copy of the tracked files (into a
  temporary directory, never over locale/) finds no msgid the committed .po lacks, so a new
  string without its translation fails here.

A failure names the language, the domain, how many messages and which.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
DOMAINS = ("django", "djangojs")
LANGUAGES = [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]

# nplurals and the plural expression per language (GNU gettext's / Django's conventions).
PLURAL_FORMS = {
    "fr": (2, "(n > 1)"),
    "es": (2, "(n != 1)"),
    "ru": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2)"),
    "ar": (6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)"),
    "zh_Hans": (1, "0"),
}
# The samples the plural expression is checked on: n -> the form each language uses.
PLURAL_SAMPLES = {
    "fr": {0: 0, 1: 0, 2: 1, 5: 1, 100: 1},
    "es": {0: 1, 1: 0, 2: 1, 5: 1, 100: 1},
    "ru": {0: 2, 1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 21: 0, 22: 1, 25: 2, 111: 2},
    "ar": {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 103: 3, 111: 4},
    "zh_Hans": {0: 0, 1: 0, 2: 0, 100: 0},
}

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
# The inline HTML that messages carry (a path such as /communities/<address>/ is not a tag).
TAG = re.compile(r"</?(?:a|abbr|b|br|code|em|i|kbd|li|mark|p|span|strong|time|ul|ol)\b[^>]*>")
# Where makemessages does not look: dependencies, built files, the minified editor bundle (built
# from static/js/src/, which it reads).
IGNORE = [".venv/*", "node_modules/*", "staticfiles/*", "var/*", "static/js/editor.bundle.js", "docs/*", "bench/*"]
MAX_LISTED = 25


def catalogue(lang, domain, suffix="po"):
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.{suffix}"


def listed(msgids):
    msgids = sorted(msgids)
    shown = "\n  ".join(repr(m) for m in msgids[:MAX_LISTED])
    more = f"\n  … and {len(msgids) - MAX_LISTED} more" if len(msgids) > MAX_LISTED else ""
    return f"{len(msgids)}:\n  {shown}{more}"


def translations(entry):
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def load(lang, domain):
    path = catalogue(lang, domain)
    if not path.exists():
        pytest.fail(f"{lang}: {path.relative_to(ROOT)} does not exist (every language but English needs it)")
    return polib.pofile(str(path))


CASES = [pytest.param(lang, domain, id=f"{lang}-{domain}") for lang in LANGUAGES for domain in DOMAINS]


def test_every_language_but_english_is_checked():
    assert set(LANGUAGES) == set(PLURAL_FORMS), "a language of settings.LANGUAGES needs its Plural-Forms here"


@pytest.mark.parametrize(("lang", "domain"), CASES)
def test_catalogue_exists_complete_and_not_fuzzy(lang, domain):
    po = load(lang, domain)
    active = [e for e in po if not e.obsolete]
    untranslated = [e.msgid for e in active if not e.fuzzy and not all(translations(e))]
    fuzzy = [e.msgid for e in active if e.fuzzy]
    problems = []
    if untranslated:
        problems.append(f"{lang} {domain}.po: untranslated messages, {listed(untranslated)}")
    if fuzzy:
        problems.append(f"{lang} {domain}.po: fuzzy messages, {listed(fuzzy)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("lang", "domain"), CASES)
def test_placeholders_and_tags_kept_in_every_form(lang, domain):
    po = load(lang, domain)
    wrong = []
    for entry in po:
        if entry.obsolete or entry.fuzzy:
            continue
        for form, text in enumerate(translations(entry)):
            if not text:
                continue  # reported as untranslated
            source = entry.msgid_plural if entry.msgid_plural and form else entry.msgid
            # A plural form may drop the count a language spells out (ar "one", zh has one form):
            # it must still not bring a placeholder the source lacks, and keeps every other one.
            want = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
            have = set(PLACEHOLDER.findall(text))
            missing = {p for p in set(PLACEHOLDER.findall(source)) - have}
            extra = have - want
            tags_want = sorted(re.sub(r"\s+", " ", t) for t in TAG.findall(source))
            tags_have = sorted(re.sub(r"\s+", " ", t) for t in TAG.findall(text))
            if missing or extra:
                wrong.append(f"{entry.msgid!r} [form {form}]: placeholders missing {sorted(missing)}, "
                             f"unknown {sorted(extra)}")
            if tags_want != tags_have:
                wrong.append(f"{entry.msgid!r} [form {form}]: HTML tags {tags_have} instead of {tags_want}")
    assert not wrong, f"{lang} {domain}.po: {len(wrong)} translations lose or change a placeholder or tag:\n  " + (
        "\n  ".join(wrong[:MAX_LISTED]))


def plural_index(expression, n):
    # The C expression of Plural-Forms, in Python (the same translation gettext.c2py makes).
    import gettext

    return gettext.c2py(expression)(n)


@pytest.mark.parametrize(("lang", "domain"), CASES)
def test_plural_forms_header_is_the_languages(lang, domain):
    po = load(lang, domain)
    header = po.metadata.get("Plural-Forms", "")
    found = re.fullmatch(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*", header)
    assert found, f"{lang} {domain}.po: no usable Plural-Forms header ({header!r})"
    nplurals, expression = int(found.group(1)), found.group(2)
    want_n, _want_expression = PLURAL_FORMS[lang]
    assert nplurals == want_n, f"{lang} {domain}.po: nplurals={nplurals}, the language has {want_n}"
    got = {n: plural_index(expression, n) for n in PLURAL_SAMPLES[lang]}
    assert got == PLURAL_SAMPLES[lang], f"{lang} {domain}.po: plural={expression} picks {got}"
    short = [e.msgid for e in po if e.msgid_plural and not e.obsolete and len(e.msgstr_plural) != nplurals]
    assert not short, f"{lang} {domain}.po: plural messages without {nplurals} forms, {listed(short)}"
    assert po.metadata.get("Language", "").replace("-", "_") == lang, f"{lang} {domain}.po: Language header"


@pytest.mark.parametrize(("lang", "domain"), CASES)
def test_msgfmt_check_passes(lang, domain, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.skip("GNU gettext's msgfmt is not installed (apt-get install gettext; .ci/run does)")
    path = catalogue(lang, domain)
    if not path.exists():
        pytest.fail(f"{lang}: {path.relative_to(ROOT)} does not exist")
    done = subprocess.run([msgfmt, "--check", "-o", str(tmp_path / "out.mo"), str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"{lang} {domain}.po: msgfmt --check fails:\n{done.stderr}"


def entries(catalogue_file):
    found = {}
    for entry in catalogue_file:
        if getattr(entry, "obsolete", False) or getattr(entry, "fuzzy", False) or not entry.msgid:
            continue
        key = (entry.msgctxt, entry.msgid)
        found[key] = tuple(translations(entry))
    return found


@pytest.mark.parametrize(("lang", "domain"), CASES)
def test_committed_mo_is_compiled_from_the_current_po(lang, domain):
    mo_path = catalogue(lang, domain, "mo")
    assert mo_path.exists(), f"{lang}: {mo_path.relative_to(ROOT)} is not committed (manage.py compilemessages)"
    po = entries(load(lang, domain))
    po = {k: v for k, v in po.items() if all(v)}  # msgfmt leaves untranslated messages out
    mo = entries(polib.mofile(str(mo_path)))
    stale = sorted({k[1] for k in set(po) ^ set(mo)} | {k[1] for k in po.keys() & mo.keys() if po[k] != mo[k]})
    assert not stale, (f"{lang} {domain}.mo is not compiled from the current {domain}.po "
                       f"(manage.py compilemessages), messages that differ: {listed(stale)}")


@pytest.fixture(scope="module")
def source_msgids(tmp_path_factory):
    """The msgids of the source, per domain: makemessages over a copy of the tracked files (locale/
    left out), so that the committed catalogues are never touched."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext's xgettext is not installed (apt-get install gettext; .ci/run does)")
    copy = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, check=False)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout: the tracked files are unknown")
    for name in tracked.stdout.decode().split("\0"):
        if not name or name.startswith("locale/") or not (ROOT / name).is_file():
            continue
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target)
    found = {}
    for domain in DOMAINS:
        command = [sys.executable, "manage.py", "makemessages", "-d", domain, "-l", "xx", "--keep-pot",
                   "--no-location"]
        for pattern in IGNORE:
            command += ["--ignore", pattern]
        done = subprocess.run(command, cwd=copy, capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x", "DEBUG": "True",
                                   "DJANGO_SETTINGS_MODULE": "unisocial.settings.base"})
        assert done.returncode == 0, f"makemessages -d {domain} failed:\n{done.stderr}"
        pot = polib.pofile(str(copy / "locale" / f"{domain}.pot"))
        found[domain] = {(e.msgctxt, e.msgid) for e in pot if e.msgid}
    return found


@pytest.mark.parametrize(("lang", "domain"), CASES)
def test_catalogue_covers_every_string_of_the_source(lang, domain, source_msgids):
    po = load(lang, domain)
    have = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
    missing = source_msgids[domain] - have
    assert not missing, (f"{lang} {domain}.po lacks strings of the source (add them with their translation), "
                         f"{listed(m[1] if m[0] is None else f'{m[0]}|{m[1]}' for m in missing)}")
