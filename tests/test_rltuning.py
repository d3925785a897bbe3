"""fawen's faster reportlab paths give exactly the bytes reportlab's own paths give."""

from __future__ import annotations

import zlib
from collections import OrderedDict

import pytest
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import TTFontFile

from pipeline import rltuning
from pipeline.store import fonts as font_store
from pipeline.store import workspace as ws_store

ORIGINAL_SUBSET = TTFontFile.makeSubset
ORIGINAL_ARRAY = rltuning._original_array_format  # noqa: SLF001


@pytest.fixture(scope="module")
def faces():
    rltuning.install()
    config = ws_store.load_config_file(ws_store.SAMPLE_CONFIG)
    fonts = font_store.font_set(config.font_dirs)
    seen: dict[tuple[str, int], TTFontFile] = {}
    for choice in fonts.choices.values():
        key = (str(choice.path), choice.subfont)
        if key not in seen:
            seen[key] = TTFontFile(str(choice.path), subfontIndex=choice.subfont)
    return list(seen.values())


def _subsets(face: TTFontFile) -> list[list[int]]:
    """Subsets as documents make them: CJK, Latin and digits, punctuation, and glyphs the face
    builds from components."""
    codes = sorted(face.charToGlyph)
    cjk = [c for c in codes if 0x4E00 <= c <= 0x9FFF]
    latin = [c for c in codes if c < 0x250]
    composite = [c for c in codes if _is_composite(face, face.charToGlyph[c])]
    missing = [0xE000, 0x10FFFD]  # not in the face: glyph 0
    return [cjk[:256], cjk[1000:1200] + latin[:56], latin[:255], (composite[:200] + cjk[:40])[:256], missing + cjk[5:9]]


def _is_composite(face: TTFontFile, glyph: int) -> bool:
    data = face.get_table("glyf")
    start, end = face.glyphPos[glyph], face.glyphPos[glyph + 1]
    return end - start > 2 and int.from_bytes(data[start : start + 2], "big", signed=True) < 0


def test_subsets_are_reportlabs_bytes(faces):
    checked = 0
    for face in faces:
        for subset in _subsets(face):
            if subset:
                assert rltuning._make_subset(face, subset) == ORIGINAL_SUBSET(face, subset)  # noqa: SLF001
                checked += 1
    assert checked >= 3 * len(faces)


def test_composite_glyphs_are_covered(faces):
    """At least one of the faces has composite glyphs, so the component renumbering is checked."""
    assert any(any(_is_composite(face, g) for g in face.charToGlyph.values()) for face in faces)


@pytest.mark.parametrize("multiline", [True, False, "forced"])
@pytest.mark.parametrize("values", [list(range(300)), [1000] * 17, [-5, 0, 12345] * 9, [1, 2.5] * 20, [1, 2, 3]])
def test_number_arrays_are_reportlabs_bytes(values, multiline):
    array = pdfdoc.PDFArray(values)
    array.multiline = multiline
    document = pdfdoc.PDFDocument()
    assert rltuning._array_format(array, document) == ORIGINAL_ARRAY(array, document)  # noqa: SLF001


def test_streams_are_standard_deflate():
    data = bytes(range(256)) * 400
    assert zlib.decompress(rltuning._Flate().encode(data)) == data  # noqa: SLF001


ORIGINAL_DICT = rltuning._original_dict_format  # noqa: SLF001


@pytest.mark.parametrize("multiline", [True, False, "forced"])
@pytest.mark.parametrize(
    "entries",
    [{"Type": "/Page", "Count": 3}, {f"K{i}": i for i in range(15)}, {"F1+0": 1, "Odd Name#(x)": "/V", "Ünï": 2.5}],
)
def test_dictionaries_are_reportlabs_bytes(entries, multiline):
    for mapping in (entries, OrderedDict(reversed(list(entries.items())))):
        d = pdfdoc.PDFDictionary()
        d.dict = mapping
        d.multiline = multiline
        document = pdfdoc.PDFDocument()
        assert rltuning._dict_format(d, document) == ORIGINAL_DICT(d, document)  # noqa: SLF001
        assert rltuning._dict_format(d, document) == ORIGINAL_DICT(d, document)  # noqa: SLF001 — names cached


@pytest.mark.parametrize(
    "element",
    [0, -7, 123456789, 2.5, -0.125, 1e-7, 595.2756, True, False, b"(raw)", "/FontDescriptor", "/F1+0", "plain text",
     "é", "中文", "tab\there", "line\nbreak", "\x18\x1f", "", None],
)  # fmt: skip
def test_elements_are_reportlabs_bytes(element):
    document = pdfdoc.PDFDocument()

    def outcome(format_) -> tuple[str, object]:  # what reportlab cannot encode fails alike
        try:
            return "bytes", format_(element, document)
        except UnicodeEncodeError as e:
            return "error", type(e)

    assert outcome(rltuning._format) == outcome(rltuning._original_format)  # noqa: SLF001
