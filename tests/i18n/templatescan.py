"""Find user-visible template text that is not marked for translation.

Templates go through Django's own lexer, so `{% translate %}`, `{% blocktranslate %}` and variables
are recognised exactly as the engine sees them; the text between them is then read as HTML, so only
what a user sees is judged: element text outside <script>/<style>, and the attributes browsers show
or read aloud.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

# Names and acronyms that read the same in every language of the product.
ALLOWLIST = ("CX Hub", "Net Promoter Score", "NPS", "CSAT", "CES", "KPI", "SLA", "CSV", "JSON", "n")

VISIBLE_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "aria-placeholder",
    "aria-valuetext",
    "label",
    "data-confirm",
}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
FILTERS_WITH_TEXT = ("default", "default_if_none", "yesno")

# Stand-in for anything the engine fills in (variables, translated strings, tag output):
# not a letter, so it never counts as unmarked text.
DYNAMIC = "\ue000"
LETTER = re.compile(r"[^\W\d_]")
_ALLOWED = re.compile(
    r"(?<![^\W\d_])(?:" + "|".join(re.escape(word) for word in ALLOWLIST) + r")(?![^\W\d_])"
)
_LITERAL_ARGUMENT = re.compile(
    r"\|\s*(?:" + "|".join(FILTERS_WITH_TEXT) + r")\s*:\s*(?P<q>[\"'])(?P<text>.*?)(?P=q)"
)


@dataclass(frozen=True)
class Finding:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        shown = " ".join(self.text.replace(DYNAMIC, " {…} ").split())
        return f"{self.template}:{self.line}: {shown!r}"


def is_unmarked_text(text: str) -> bool:
    visible = _ALLOWED.sub(" ", " ".join(text.replace(DYNAMIC, " ").split()))
    return bool(LETTER.search(visible))


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            shown = name in VISIBLE_ATTRIBUTES or (
                name == "value"
                and tag == "input"
                and (attributes.get("type") or "").lower() in BUTTON_INPUT_TYPES
            )
            if shown and is_unmarked_text(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in {"script", "style"}:
            self._hidden_depth -= 1

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth and is_unmarked_text(data):
            self.found.append((self.getpos()[0], " ".join(data.split())))


def attribute_blocks(sources: list[str]) -> set[str]:
    """Blocks a parent template opens inside an HTML tag (class names and the like)."""
    return {
        match.group(1)
        for source in sources
        for match in re.finditer(r"<[^<>]*\{%\s*block\s+(\w+)\s*%\}", source)
    }


def _literal_texts(content: str) -> list[str]:
    """Literal strings a variable or {% firstof %} may print instead of a value."""
    texts = [match.group("text") for match in _LITERAL_ARGUMENT.finditer(content)]
    if content.split()[:1] == ["firstof"]:
        texts += [a or b for a, b in re.findall(r"\"([^\"]*)\"|'([^']*)'", content)]
    return [text for text in texts if text]


def _engine_view(source: str, hidden_blocks: set[str]) -> str:
    """The template as HTML, with engine output replaced by DYNAMIC.

    A literal string a variable can print (`|default:"never"`) stays in place, so the HTML
    reading judges it like any other text; `_("...")` literals are marked and dropped.
    """
    parts: list[str] = []
    skip_until: str | None = None
    hidden: list[str] = []
    for token in Lexer(source).tokenize():
        content = token.contents
        lines = "\n" * content.count("\n")  # keeps line numbers right for tags spanning lines
        if token.token_type == TokenType.BLOCK:
            bits = content.split()
            name = bits[0] if bits else ""
            if skip_until:
                if name == skip_until:
                    skip_until = None
                    parts.append(DYNAMIC)
                continue
            if name in {"blocktranslate", "blocktrans"}:
                skip_until = "end" + name
            elif name == "comment":
                skip_until = "endcomment"
            elif name == "block" and len(bits) > 1 and bits[1] in hidden_blocks:
                hidden.append(bits[1])
            elif name == "endblock" and hidden:
                hidden.pop()
            parts.append(DYNAMIC + " ".join(_literal_texts(content)) + lines)
        elif skip_until or (hidden and token.token_type == TokenType.TEXT):
            parts.append("\n" * content.count("\n"))
        elif token.token_type == TokenType.VAR:
            parts.append(DYNAMIC + " ".join(_literal_texts(content)) + lines)
        elif token.token_type == TokenType.COMMENT:
            parts.append(lines)
        else:
            parts.append(content)
    return "".join(parts)


def unmarked_text(path: Path, root: Path, hidden_blocks: set[str] = frozenset()) -> list[Finding]:
    html = _engine_view(path.read_text(encoding="utf-8"), set(hidden_blocks))
    name = str(path.relative_to(root))
    findings: list[Finding] = []
    if path.suffix in {".html", ".htm"}:
        parser = _VisibleText()
        parser.feed(html)
        parser.close()
        findings += [Finding(name, line, text) for line, text in parser.found]
    else:  # plain-text templates (e-mails): everything outside tags is shown
        for number, line in enumerate(html.splitlines(), start=1):
            if is_unmarked_text(line):
                findings.append(Finding(name, number, line.strip()))
    return findings


def project_templates(root: Path) -> list[Path]:
    skip = {".venv", "node_modules", "var", ".git", "static"}
    found = []
    for directory in root.rglob("templates"):
        if not directory.is_dir() or skip & set(directory.relative_to(root).parts):
            continue
        found += [
            path
            for path in directory.rglob("*")
            if path.suffix in {".html", ".htm", ".txt", ".xml"} and path.is_file()
        ]
    return sorted(found)
