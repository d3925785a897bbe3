"""Font programs for the OFD copy (pipeline.stages.ofd): TrueType subsets with a Unicode cmap, of
the faces reportlab has registered for the PDF.

Subsetting a CJK face of 30 000 to 50 000 glyphs with fontTools' subsetter from the font file
takes 0.5 to 1.8 seconds a face (it decompiles every glyph, name and cmap entry first). reportlab
already holds each face parsed, and cuts a subset of the glyphs a document uses in milliseconds
(pipeline.rltuning); that small font, its symbol cmap replaced by a Unicode one, then goes through
fontTools' subsetter, which writes the standard tables (cmap formats 4 and 12, OS/2 Unicode
ranges, post format 3) as for any subset: about 20 ms a face.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from typing import Any
from typing import Protocol

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib import newTable
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from reportlab.pdfbase import pdfmetrics

from pipeline import rltuning
from pipeline.stages.ofd import FontProgram

rltuning.install()

CACHE_SIZE = 64  # subsets kept: the same document written twice costs one subsetting


class Metrics(Protocol):
    """What the typesetter's font set answers (pipeline.store.fonts.FontSet)."""

    def font_for(self, char: str, role: str) -> str: ...
    def width(self, name: str, text: str, size: float) -> float: ...


class EmbeddedFonts:
    """The typesetter's fonts, and their programs to embed (``ofd.OfdFonts``)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._programs: OrderedDict[tuple[str, str], FontProgram] = OrderedDict()
        self._lock = threading.Lock()

    def font_for(self, char: str, role: str) -> str:
        return self.metrics.font_for(char, role)

    def width(self, name: str, text: str, size: float) -> float:
        return self.metrics.width(name, text, size)

    def program(self, name: str, chars: str) -> FontProgram:
        """The registered font ``name`` cut to ``chars`` (and the glyphs theirs are built from)."""
        key = (name, "".join(sorted(set(chars))))
        with self._lock:
            found = self._programs.get(key)
        if found is None:
            found = font_program(pdfmetrics.getFont(name).face, key[1])
            with self._lock:
                self._programs[key] = found
                while len(self._programs) > CACHE_SIZE:
                    self._programs.popitem(last=False)
        return found


def _options() -> subset.Options:
    options = subset.Options()
    options.name_IDs = ["*"]  # the font's names as its maker wrote them, in every language
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.glyph_names = False
    options.legacy_cmap = False  # drops the symbol cmap reportlab's cut carries
    options.recalc_bounds = False
    options.recalc_timestamp = False
    return options


def _unicode_cmap(font: TTFont, codes: list[int]) -> None:
    """Point each code at its glyph: reportlab's cut maps the codes' positions 0, 1, 2 … instead."""
    legacy = font["cmap"].getcmap(1, 0).cmap
    mapping = {code: legacy[i] for i, code in enumerate(codes) if i in legacy}
    tables = []
    bmp = CmapSubtable.newSubtable(4)
    bmp.platformID, bmp.platEncID, bmp.language = 3, 1, 0
    bmp.cmap = {c: n for c, n in mapping.items() if c <= 0xFFFF}
    tables.append(bmp)
    if any(c > 0xFFFF for c in mapping):
        full = CmapSubtable.newSubtable(12)
        full.platformID, full.platEncID, full.language = 3, 10, 0
        full.cmap = dict(mapping)
        tables.append(full)
    cmap = newTable("cmap")
    cmap.tableVersion = 0
    cmap.tables = [*font["cmap"].tables, *tables]
    font["cmap"] = cmap


def font_program(face: Any, chars: str) -> FontProgram:
    """A subset of a reportlab face (TTFontFace) holding ``chars``, with a Unicode cmap."""
    codes = sorted({ord(c) for c in chars})
    font = TTFont(io.BytesIO(face.makeSubset(codes)), recalcBBoxes=False, recalcTimestamp=False)
    _unicode_cmap(font, codes)
    subsetter = subset.Subsetter(_options())
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    names = font["name"]
    family = names.getBestFamilyName() or str(face.familyName, "latin-1", "replace")
    full = names.getBestFullName() or family
    selection = font["OS/2"].fsSelection
    fixed = bool(font["post"].isFixedPitch)
    return FontProgram(out.getvalue(), full, family, bool(selection & 0x20), bool(selection & 0x01), fixed)
