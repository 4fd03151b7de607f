"""File names made from data (seller names, CRM and Gong ids) that cannot leave their folder.

A name or id arrives from an extract, so it may hold `/`, `..`, a NUL or ten thousand
characters. Every path built from one goes through these functions:

- `safe_slug(text)`: a lowercase slug of a person's name (ASCII letters, digits, hyphens);
- `safe_id(text)`: an identifier kept exactly as delivered when it is a plain one (Salesforce
  ids are case-sensitive, so case is kept), else slugged and tagged with a hash;
- `path_inside(root, relative)`: the resolved path, refused unless it lies inside `root`.

The slug of an ordinary name is the one the digests have always used, so existing file
names do not change.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

SLUG_MAX = 40
ID_MAX = 64  # well under any file system's 255-byte name limit, with the name part and suffix
_HASH_CHARS = 8
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]


def safe_slug(text: str | None, *, keep_case: bool = False, max_length: int | None = SLUG_MAX) -> str:
    """`text` reduced to ASCII letters, digits and single hyphens, lowercased unless
    `keep_case`, cut to `max_length` characters (None: not cut).

    Never empty and never starting with a dot or hyphen: a text with no ASCII letter or
    digit (empty, `...`, a name in another script) gives the first 8 hex digits of its
    SHA-256, so two such names still differ. 'Ana María Ruiz' -> 'ana-mar-a-ruiz';
    '../../etc/x' -> 'etc-x'.
    """
    raw = text or ""
    # lower() before the ASCII filter, as the digests' slug always did (byte-identical names)
    s = re.sub(r"[^A-Za-z0-9]+" if keep_case else r"[^a-z0-9]+", "-", raw if keep_case else raw.lower()).strip("-")
    if max_length is not None:
        s = s[:max_length]
    return s or _short_hash(raw)


def safe_id(text: str | None) -> str:
    """An identifier as a file-name part: unchanged when it is plain (ASCII letters and
    digits, then also `_` or `-`, at most ID_MAX characters), as every Salesforce and Gong id
    is ('005000000000000AAA' stays '005000000000000AAA').

    Anything else is slugged with its case kept and given `-` and 8 hex digits of the
    SHA-256 of the id as delivered, so two hostile ids that slug alike ('a/b', 'a-b') never
    share a file: '../../../evil' -> 'evil-' + hash.
    """
    raw = text or ""
    if len(raw) <= ID_MAX and _PLAIN_ID.fullmatch(raw):
        return raw
    return f"{safe_slug(raw, keep_case=True, max_length=ID_MAX - _HASH_CHARS - 1)}-{_short_hash(raw)}"


def path_inside(root: str | os.PathLike, relative: str | os.PathLike) -> Path:
    """`root / relative`, resolved (symbolic links followed), if it lies inside `root`
    (resolved too); else ValueError naming both. The last line of defence: the parts were
    slugged already, this catches a path assembled some other way."""
    base = Path(root).resolve()
    target = (base / relative).resolve()
    if target == base or not target.is_relative_to(base):
        raise ValueError(f"refused path {str(relative)!r}: it resolves to {target}, outside {base}")
    return target
