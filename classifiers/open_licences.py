"""Which licence names count as open for "open licences only": public domain, CC0, CC BY, CC BY-SA.

Names arrive as providers write them ("CC BY-SA 4.0", "cc-by-sa", "Public domain", "PDM 1.0", "CC0").
NonCommercial (NC) and NoDerivatives (ND) variants are not open in this sense.
"""

from __future__ import annotations

import re


def is_open_licence(name: str) -> bool:
    words = re.sub(r"[^a-z0-9.]+", " ", (name or "").lower()).split()
    if not words:
        return False
    text = " ".join(words)
    if text.startswith(("public domain", "pd ", "pdm")) or text in {"pd", "pdm", "cc pdm", "cc pdm 1.0"}:
        return True
    if words[0] == "cc0" or text.startswith("cc 0") or text.startswith("cc zero"):
        return True
    if len(words) >= 2 and words[0] == "cc" and words[1] == "by":
        rest = words[2:]
        return "nc" not in rest and "nd" not in rest
    return False
