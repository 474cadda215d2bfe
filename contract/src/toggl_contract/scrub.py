"""Keeping secrets out of everything a run writes, whatever the server echoes back.

A server under test may reflect the request's `Authorization` header, or the token itself, in an
error body, a `Location` header, anywhere. The gateway scrubs every answer before anything of the
run sees it (schemathesis, the rules, the walk, the recorder), and the run's stdout, stderr, JUnit
report, ledger and cassette go through the same `Scrubber` again: a secret reaches none of them,
in any of the encodings a server could echo it in.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote, quote_plus

REDACTED = "[secret]"
MIN_SECRET = 4  # shorter values (an empty password, say) cannot be told from ordinary text


def _forms(secret: str) -> set[str]:
    """Every way a server might write `secret` back: raw, URL-encoded, JSON-escaped, base64."""
    raw = secret.encode("utf-8")
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode()
        forms |= {text, text.rstrip("=")}
    return {form for form in forms if len(form) >= MIN_SECRET}


class Scrubber:
    """Replaces every form of the secrets in text and bytes with `[secret]`.

    The secrets are the credentials (a token, or an email and a password) and each `user:password`
    pair made of them, so a Basic header is caught whole and in its base64.
    """

    def __init__(
        self, secrets: Iterable[str | None], pairs: Iterable[tuple[str, str]] = ()
    ) -> None:
        values = {s for s in secrets if s}
        values |= {f"{user}:{password}" for user, password in pairs}
        forms: set[str] = set()
        for value in values:
            forms |= _forms(value)
        # Longest first, so that a pair's encoding goes before the pieces inside it.
        ordered = sorted(forms, key=len, reverse=True)
        self._text = (
            re.compile("|".join(re.escape(f) for f in ordered), re.IGNORECASE) if ordered else None
        )
        self._bytes = (
            re.compile(b"|".join(re.escape(f.encode("utf-8")) for f in ordered), re.IGNORECASE)
            if ordered
            else None
        )

    @classmethod
    def for_token(cls, token: str) -> Scrubber:
        """A run's credentials as Toggl takes a token: `<token>:api_token`."""
        return cls([token], [(token, "api_token")])

    def text(self, value: str) -> str:
        return self._text.sub(REDACTED, value) if self._text else value

    def data(self, value: bytes) -> bytes:
        return self._bytes.sub(REDACTED.encode(), value) if self._bytes else value

    def found_in(self, value: str | bytes) -> bool:
        if isinstance(value, bytes):
            return bool(self._bytes and self._bytes.search(value))
        return bool(self._text and self._text.search(value))


class ScrubbedStream(io.TextIOBase):
    """A text stream (stdout, stderr) that writes through a `Scrubber`."""

    def __init__(self, inner: TextIO, scrubber: Scrubber) -> None:
        self._inner = inner
        self._scrubber = scrubber

    def write(self, text: str) -> int:
        self._inner.write(self._scrubber.text(text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def fileno(self) -> int:
        return self._inner.fileno()

    def isatty(self) -> bool:
        return self._inner.isatty()
