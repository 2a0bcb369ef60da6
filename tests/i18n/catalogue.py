"""Just enough of the .po format to compare catalogues (no polib needed)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


@dataclass
class Message:
    msgid: str = ""
    context: str | None = None
    plural: str | None = None
    translations: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.context, self.msgid, self.plural)

    @property
    def is_translated(self) -> bool:
        return bool(self.translations) and all(text.strip() for text in self.translations)


def _unquote(text: str) -> str:
    # A .po string is a C string literal; Python's literal syntax reads it the same way.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Message]:
    """Messages of a .po file, header included (msgid ""), obsolete (#~) entries left out."""
    messages: list[Message] = []
    current: Message | None = None
    target: str | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            messages.append(current)
        current, target = None, None

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            finish()
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Message()
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, value = match.group(1), _unquote(match.group(2))
            if keyword == "msgctxt":
                current.context, target = value, "context"
            elif keyword == "msgid":
                current.msgid, target = value, "msgid"
            elif keyword == "msgid_plural":
                current.plural, target = value, "plural"
            else:
                current.translations.append(value)
                target = "translation"
            continue
        if line.startswith('"') and target:
            value = _unquote(line)
            if target == "translation":
                current.translations[-1] += value
            else:
                setattr(current, target, (getattr(current, target) or "") + value)
            continue
        raise ValueError(f"{path}: cannot read line {line!r}")
    finish()
    return messages


def header(messages: list[Message]) -> dict[str, str]:
    for message in messages:
        if message.msgid == "" and message.context is None:
            text = message.translations[0] if message.translations else ""
            pairs = [part.split(":", 1) for part in text.splitlines() if ":" in part]
            return {name.strip(): value.strip() for name, value in pairs}
    return {}
