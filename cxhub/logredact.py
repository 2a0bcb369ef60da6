"""Keeps survey invitation tokens out of logs (RELIABILITY A9): a token in an access log is a
credential anyone with log access could use to answer as that customer."""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

TOKEN_IN_PATH = re.compile(r"(/s/i/)[^/\s?\"']+")


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1[redacted]", text)


class RedactTokensFilter(logging.Filter):
    """For Django's loggers: 'Not Found: /s/i/<token>/' must not keep the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class RedactingGunicornLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "{raw_uri}e", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
