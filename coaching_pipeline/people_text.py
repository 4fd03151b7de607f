"""Text shown to people (digests, their manifest, the AI narrative, the run's preflight),
cleaned of characters that change how the text around them reads without being visible
themselves, and escaped for Markdown where it is printed there (md_escape).

A CRM name holding U+202E (right-to-left override) shows everything after it on its line
reversed, so a digest can be made to display words its data does not say; a NUL or ESC can
cut or restyle a line in a mail client or terminal. HTML and Markdown escaping leave these
characters alone, so they are removed here.
"""

from __future__ import annotations

import re

from markupsafe import Markup

# C0 controls but tab (09) and newline (0A); DEL; C1 (U+0080-U+009F); the bidi controls:
# Arabic letter mark, LRM/RLM, the embeddings and overrides (LRE RLE PDF LRO RLO), the isolates
# (LRI RLI FSI PDI). Zero-width joiners stay: scripts such as Devanagari need them.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None) -> str | None:
    """`text` without control characters (C0 but tab and newline, DEL, C1) and bidi controls
    (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069); None stays None. A carriage
    return is removed too: a line break is a newline."""
    if text is None:
        return None
    return _UNSAFE.sub("", text)


# Backslash escapes, not HTML entities: CommonMark takes a backslash before any ASCII
# punctuation literally, so `\<b>` is the text "<b>" (never raw HTML) in a Markdown viewer,
# while "&lt; 50%" read as plain text (a mail client showing the .md) is gibberish.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#<>&])")


def md_escape(value) -> str:
    """A value printed in Markdown (the digests' Markdown finalize, the preflight): escaped so
    it can neither inject markup nor raw HTML, on one line, cleaned like all text shown."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    text = _MD_SPECIAL.sub(r"\\\1", str(value))
    # cleaned last, so a carriage return still counts as a line break above
    return clean(re.sub(r"\s*[\r\n]+\s*", " ", text))
