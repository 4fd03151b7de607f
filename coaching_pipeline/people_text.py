"""Text shown to people (digests, their manifest, the AI narrative), cleaned of characters
that change how the text around them reads without being visible themselves.

A CRM name holding U+202E (right-to-left override) shows everything after it on its line
reversed, so a digest can be made to display words its data does not say; a NUL or ESC can
cut or restyle a line in a mail client or terminal. HTML and Markdown escaping leave these
characters alone, so they are removed here.
"""

from __future__ import annotations

import re

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
