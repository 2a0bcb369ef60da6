"""The committed catalogues match the marked strings, are fully translated and compiled.

`makemessages` runs on a copy of the project, so the check never writes to locale/.
"""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.i18n.catalogue import header, parse_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("id", "ms", "it")
PLURAL_FORMS = {
    "id": "nplurals=1; plural=0;",
    "ms": "nplurals=1; plural=0;",
    "it": "nplurals=2; plural=(n != 1);",
}
# The same arguments the project uses to refresh the catalogues (README / Makefile).
MAKEMESSAGES = [
    "makemessages",
    *(f"--locale={language}" for language in LANGUAGES),
    "--ignore=.venv",
    "--ignore=node_modules",
    "--ignore=var",
]
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq", "msgattrib", "msgfmt")
NOT_COPIED = shutil.ignore_patterns(
    ".venv", "node_modules", "var", ".git", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache"
)


def po_path(base: Path, language: str) -> Path:
    return base / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def gettext_tools():
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"GNU gettext is not installed (missing: {', '.join(missing)})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI must install the gettext package")
        pytest.skip(message + "; install the gettext package to check the catalogues")


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, gettext_tools) -> Path:
    """A copy of the project after `makemessages`, starting from the committed catalogues."""
    copy = tmp_path_factory.mktemp("i18n") / "project"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    env = dict(os.environ, CX_VAR_DIR=str(copy / "var"), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return copy


def describe(keys) -> str:
    return "\n".join(
        f"  {msgid!r}" + (f" (context {context!r})" if context else "")
        for context, msgid, _plural in sorted(keys, key=lambda key: key[1])[:40]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_catalogue_holds_exactly_the_marked_strings(refreshed, language):
    committed = {m.key for m in parse_po(po_path(ROOT, language)) if m.msgid}
    current = {m.key for m in parse_po(po_path(refreshed, language)) if m.msgid}
    new, gone = current - committed, committed - current
    assert not new and not gone, (
        f"locale/{language} is out of date: run `manage.py {' '.join(MAKEMESSAGES)}`, translate, "
        f"then `compilemessages`.\nNew strings:\n{describe(new)}\nNo longer used:\n{describe(gone)}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    messages = parse_po(po_path(ROOT, language))
    head = header(messages)
    assert head.get("Language") == language
    assert head.get("Plural-Forms") == PLURAL_FORMS[language]
    assert head.get("Content-Type") == "text/plain; charset=UTF-8"
    fuzzy = [m.msgid for m in messages if "fuzzy" in m.flags]
    assert not fuzzy, f"fuzzy entries in locale/{language}: {fuzzy[:20]}"
    untranslated = [m.msgid for m in messages if m.msgid and not m.is_translated]
    assert not untranslated, f"untranslated in locale/{language}: {untranslated[:20]}"
    plural_count = int(PLURAL_FORMS[language].split(";")[0].split("=")[1])
    wrong = [m.msgid for m in messages if m.plural and len(m.translations) != plural_count]
    assert not wrong, f"plural entries without {plural_count} forms: {wrong}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(tmp_path, gettext_tools, language):
    source = po_path(ROOT, language)
    compiled = tmp_path / "django.mo"
    # --check-format: every %(name)s / {name} placeholder of the English text is kept.
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(source)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    with compiled.open("rb") as fresh, source.with_suffix(".mo").open("rb") as committed:
        expected = gettext.GNUTranslations(fresh)._catalog
        actual = gettext.GNUTranslations(committed)._catalog
    stale = sorted(str(key) for key in expected.keys() ^ actual.keys())[:20]
    changed = sorted(str(k) for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    assert not stale and not changed, (
        f"locale/{language}/LC_MESSAGES/django.mo is stale: run `manage.py compilemessages`.\n"
        f"Differing messages: {(stale + changed[:20])}"
    )
