"""Fonts: find a TrueType face for each role (小标宋, 仿宋, 黑体, 楷体, 宋体), register it with
reportlab once per process, and answer which face draws a given character.

The standard Windows/方正 faces are used where installed (found by file or family name in the
usual font folders and the workspace's), else open faces of the same style. reportlab reads
TrueType outlines only, so CFF/OpenType faces (Fandol, a user's .otf) are converted once with
fontTools into a cache folder.
"""

from __future__ import annotations

import bisect
import gc
import json
import os
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import gbt9704 as g
from pipeline.errors import FontError
from pipeline.frozen import frozen

if TYPE_CHECKING:  # the font libraries are loaded when a face is read, not to check an input
    from fontTools.ttLib import TTFont as ToolsFont
    from reportlab.pdfbase.ttfonts import TTFont

FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")

# The standard faces, by file name (lower case) and by family name, per role.
STANDARD: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    g.ROLE_XBS: (
        ("fzxbsjw.ttf", "fzxbsk.ttf", "方正小标宋简体.ttf", "fzxiaobiaosong-b05s.ttf", "方正小标宋_gbk.ttf"),
        ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "FZXiaoBiaoSong-B05"),
    ),
    g.ROLE_FANGSONG: (
        ("fs_gb2312.ttf", "fsgb2312.ttf", "仿宋_gb2312.ttf", "simfang.ttf"),
        ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong"),
    ),
    g.ROLE_HEI: (("simhei.ttf",), ("黑体", "SimHei")),
    g.ROLE_KAI: (
        ("kai_gb2312.ttf", "ktgb2312.ttf", "楷体_gb2312.ttf", "simkai.ttf"),
        ("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi"),
    ),
    g.ROLE_SONG: (("simsun.ttc", "simsun.ttf"), ("宋体", "SimSun")),
}

# Open faces of the same style, best first: (file name, subfont index).
FALLBACK: dict[str, tuple[tuple[str, int], ...]] = {
    g.ROLE_XBS: (("FandolSong-Bold.ttf", 0), ("uming.ttc", 0)),
    g.ROLE_FANGSONG: (("FandolFang-Regular.ttf", 0),),
    g.ROLE_HEI: (("wqy-microhei.ttc", 0), ("wqy-zenhei.ttc", 0), ("FandolHei-Regular.ttf", 0)),
    g.ROLE_KAI: (("ukai.ttc", 0), ("LXGWWenKai-Regular.ttf", 0), ("FandolKai-Regular.ttf", 0)),
    g.ROLE_SONG: (("uming.ttc", 0), ("FandolSong-Regular.ttf", 0)),
}
# Faces tried, after the role's own, for a character the role's face lacks.
GLYPH_FALLBACK: tuple[tuple[str, int], ...] = (
    ("wqy-microhei.ttc", 0),
    ("uming.ttc", 0),
    ("ukai.ttc", 0),
    ("DejaVuSans.ttf", 0),
)
# CFF faces converted into the cache on demand, by the TrueType name they become.
CONVERTIBLE = {
    "FandolSong-Bold.ttf": "FandolSong-Bold.otf",
    "FandolFang-Regular.ttf": "FandolFang-Regular.otf",
    "FandolHei-Regular.ttf": "FandolHei-Regular.otf",
    "FandolKai-Regular.ttf": "FandolKai-Regular.otf",
    "FandolSong-Regular.ttf": "FandolSong-Regular.otf",
}
INSTALLED_BY_SETUP = ("FandolFang-Regular.ttf", "FandolSong-Bold.ttf")


def cache_dir() -> Path:
    """Where converted fonts live: ``FAWEN_FONT_CACHE``, else the user's cache folder."""
    env = os.environ.get("FAWEN_FONT_CACHE")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "fawen" / "fonts"


def system_font_dirs() -> list[Path]:
    dirs: list[Path] = []
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR", r"C:\Windows")
        dirs.append(Path(windir) / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    elif sys.platform == "darwin":
        dirs += [Path("/Library/Fonts"), Path("/System/Library/Fonts"), Path.home() / "Library" / "Fonts"]
    else:
        dirs += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
                 Path.home() / ".local" / "share" / "fonts"]  # fmt: skip
        dirs += [Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"),
                 Path("/usr/share/texmf/fonts/opentype/public/fandol")]  # fmt: skip
    return dirs


def convert_cff_to_truetype(src: Path, dst: Path) -> None:
    """Convert an OpenType-CFF face to TrueType outlines (fontTools' otf2ttf recipe).

    Written to a temporary name and renamed, so a half-converted font is never picked up.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont as ToolsFont
    from fontTools.ttLib import newTable

    font = ToolsFont(str(src))
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    font["head"].glyphDataFormat = 0
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):  # fmt: skip
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 3.0  # glyph names would overflow format 2 in big CJK faces
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    font.save(str(tmp))
    os.replace(tmp, dst)


def _is_cff(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(4)
        if head == b"ttcf":
            fh.seek(12)
            offset = int.from_bytes(fh.read(4), "big")
            fh.seek(offset)
            head = fh.read(4)
    return head == b"OTTO"


@frozen
class FontChoice:
    """The face chosen for one role, and whether it is a stand-in for the standard face."""

    role: str
    path: str
    subfont: int
    family: str
    fallback: bool
    wanted: str  # the standard face's name

    def as_dict(self) -> dict[str, object]:
        return {"角色": self.role, "文件": self.path, "子字体": self.subfont, "字族": self.family,
                "替代字体": self.fallback, "标准字体": self.wanted}  # fmt: skip


class FontLibrary:
    """Finds font files in a list of folders, by file name and by family name."""

    def __init__(self, extra_dirs: Iterable[str | Path] = ()) -> None:
        self.dirs = [Path(d) for d in extra_dirs] + [cache_dir()] + system_font_dirs()
        self._files: dict[str, Path] | None = None
        self._families: dict[str, tuple[Path, int]] | None = None

    def files(self) -> dict[str, Path]:
        if self._files is None:
            found: dict[str, Path] = {}
            for d in self.dirs:
                if not d.is_dir():
                    continue
                for root, _dirs, names in os.walk(d):
                    for name in names:
                        if name.lower().endswith(FONT_SUFFIXES):
                            found.setdefault(name.lower(), Path(root) / name)
            self._files = found
        return self._files

    def families(self) -> dict[str, tuple[Path, int]]:
        """Family names (every language) -> (file, subfont), read once and cached on disk."""
        if self._families is not None:
            return self._families
        index_path = cache_dir() / "family-index.json"
        try:
            cached = json.loads(index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = {}
        fresh: dict[str, object] = {}
        families: dict[str, tuple[Path, int]] = {}
        for path in self.files().values():
            try:
                st = path.stat()
            except OSError:
                continue
            key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
            names = cached.get(key)
            if names is None:
                names = _read_family_names(path)
            fresh[key] = names
            for index, family_names in enumerate(names):
                for fam in family_names:
                    families.setdefault(fam.casefold(), (path, index))
        if fresh != cached:
            try:
                index_path.parent.mkdir(parents=True, exist_ok=True)
                index_path.write_text(json.dumps(fresh, ensure_ascii=False), encoding="utf-8")
            except OSError:
                pass
        self._families = families
        return families

    def by_file(self, name: str) -> Path | None:
        return self.files().get(name.lower())

    def by_family(self, family: str) -> tuple[Path, int] | None:
        return self.families().get(family.casefold())


def _read_family_names(path: Path) -> list[list[str]]:
    from fontTools.ttLib import TTFont as ToolsFont  # noqa: PLC0415
    from fontTools.ttLib import TTLibError  # noqa: PLC0415

    out: list[list[str]] = []
    try:
        count = 1
        if path.suffix.lower() in (".ttc", ".otc"):
            from fontTools.ttLib import TTCollection

            count = len(TTCollection(str(path), lazy=True).fonts)
        for i in range(count):
            font = ToolsFont(str(path), fontNumber=i, lazy=True)
            names = {rec.toUnicode() for rec in font["name"].names if rec.nameID in (1, 4, 16)}
            out.append(sorted(names))
    except (TTLibError, OSError, ValueError, KeyError, UnicodeDecodeError, AssertionError):
        return out
    return out


class FontSet:
    """The faces in use, registered with reportlab; answers which face draws a character."""

    def __init__(self, choices: dict[str, FontChoice], glyph_fallbacks: list[tuple[Path, int]]) -> None:
        self.choices = choices
        self._rl: dict[str, TTFont] = {}
        self._role_name: dict[str, str] = {}
        self._chain: dict[str, list[str]] = {}
        self._tools: dict[str, ToolsFont] = {}
        self._paths: dict[str, tuple[str, int]] = {}
        self._char_cache: dict[tuple[str, str], str] = {}
        self._ink: dict[tuple[str, str], tuple[float, float, float, float]] = {}
        self._em: dict[tuple[str, str], float] = {}
        self._glyphs: dict[str, dict[str, tuple[str, float]]] = {}  # role -> char -> (font, em)
        fallback_names = [self._register(p, i) for p, i in glyph_fallbacks]
        for role, choice in choices.items():
            name = self._register(Path(choice.path), choice.subfont)
            self._role_name[role] = name
        for role, name in self._role_name.items():
            chain = [name] + [self._role_name[r] for r in g.ROLES if self._role_name.get(r) not in (None, name)]
            chain += [n for n in fallback_names if n not in chain]
            self._chain[role] = chain

    def _register(self, path: Path, subfont: int) -> str:
        import hashlib  # noqa: PLC0415 — OpenSSL loads only where fonts are registered, not for validate

        digest = hashlib.sha1(f"{path}|{subfont}".encode()).hexdigest()[:10]
        name = f"fw-{digest}"
        if name not in self._rl:
            from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415
            from reportlab.pdfbase.ttfonts import TTFont  # noqa: PLC0415

            try:
                font = pdfmetrics.getFont(name)
            except KeyError:
                font = TTFont(name, str(path), subfontIndex=subfont)
                pdfmetrics.registerFont(font)
            assert isinstance(font, TTFont)
            self._rl[name] = font
            self._paths[name] = (str(path), subfont)
        return name

    def role_font(self, role: str) -> str:
        return self._role_name[role]

    def font_for(self, char: str, role: str) -> str:
        """The reportlab font name that draws ``char`` in ``role``; FontError if none can."""
        key = (char, role)
        hit = self._char_cache.get(key)
        if hit is not None:
            return hit
        code = ord(char)
        for name in self._chain[role]:
            if code in self._rl[name].face.charToGlyph:
                self._char_cache[key] = name
                return name
        raise FontError(
            f"字符「{char}」（U+{code:04X}）没有任何已安装的字体能显示。"
            f"请安装包含此字的字体（放入字体文件夹或在 fawen.yaml 的「字体目录」中配置），"
            f"或改用常用字。"
        )

    def glyphs(self, role: str) -> dict[str, tuple[str, float]]:
        """The characters ``glyph`` has looked up for a role so far: read-only, for hot loops
        that call ``glyph`` only on a miss."""
        table = self._glyphs.get(role)
        if table is None:
            table = self._glyphs[role] = {}
        return table

    def glyph(self, char: str, role: str) -> tuple[str, float]:
        """(font, advance in em) for a character in a role: the typesetter's hot path."""
        table = self._glyphs.get(role)
        if table is None:
            table = self._glyphs[role] = {}
        hit = table.get(char)
        if hit is None:
            name = self.font_for(char, role)
            hit = table[char] = (name, self.width(name, char, 1000) / 1000)
        return hit

    def has_char(self, char: str) -> bool:
        code = ord(char)
        return any(code in f.face.charToGlyph for f in self._rl.values())

    def width(self, name: str, text: str, size: float) -> float:
        """Advance width in points."""
        if len(text) == 1:
            key = (name, text)
            em = self._em.get(key)
            if em is None:
                em = self._em[key] = float(self._rl[name].stringWidth(text, 1000))
            return em * size / 1000
        return float(self._rl[name].stringWidth(text, size))

    def descent(self, name: str) -> float:
        """Descent below the baseline as a fraction of the em (positive), as PDF readers see it."""
        return -float(self._rl[name].face.descent) / 1000.0

    def ink(self, name: str, char: str) -> tuple[float, float, float, float]:
        """Glyph ink box (xmin, ymin, xmax, ymax) in em units relative to origin/baseline."""
        hit = self._ink.get((name, char))
        if hit is not None:
            return hit
        from fontTools.pens.boundsPen import BoundsPen  # noqa: PLC0415
        from fontTools.ttLib import TTFont as ToolsFont  # noqa: PLC0415

        tools = self._tools.get(name)
        if tools is None:
            path, index = self._paths[name]
            tools = ToolsFont(path, fontNumber=index, lazy=True)
            self._tools[name] = tools
        upm = tools["head"].unitsPerEm
        glyph_name = tools.getBestCmap().get(ord(char))
        if glyph_name is None:
            return (0.0, 0.0, 0.0, 0.0)
        glyphs = tools.getGlyphSet()
        pen = BoundsPen(glyphs)
        glyphs[glyph_name].draw(pen)
        if pen.bounds is None:
            return (0.0, 0.0, 0.0, 0.0)
        x0, y0, x1, y1 = pen.bounds
        box = (x0 / upm, y0 / upm, x1 / upm, y1 / upm)
        self._ink[(name, char)] = box
        return box


def _load_check(path: Path, subfont: int) -> bool:
    """Whether reportlab can embed this face."""
    import hashlib  # noqa: PLC0415 — as in FontSet._register

    from reportlab.pdfbase.ttfonts import TTFError  # noqa: PLC0415
    from reportlab.pdfbase.ttfonts import TTFont  # noqa: PLC0415

    try:
        TTFont(f"probe-{hashlib.sha1(str(path).encode()).hexdigest()[:8]}-{subfont}", str(path), subfontIndex=subfont)
    except (TTFError, OSError, IndexError, KeyError, ValueError):
        return False
    return True


def _truetype(path: Path) -> Path | None:
    """A TrueType version of ``path``: itself, or a cached conversion of a CFF face."""
    if not _is_cff(path):
        return path
    if path.suffix.lower() in (".ttc", ".otc"):
        return None  # CFF collections (Noto CJK) are too slow to convert on demand
    import hashlib  # noqa: PLC0415 — as in FontSet._register

    st = path.stat()
    digest = hashlib.sha256(f"{path.name}|{st.st_size}".encode()).hexdigest()[:12]
    target = cache_dir() / f"{path.stem}-{digest}.ttf"
    if not target.exists():
        print(f"正在把字体 {path.name} 转换为 TrueType（仅首次，约半分钟）……", file=sys.stderr)
        convert_cff_to_truetype(path, target)
    return target


def _fallback_file(lib: FontLibrary, name: str) -> Path | None:
    found = lib.by_file(name)
    if found is not None:
        return found
    source_name = CONVERTIBLE.get(name)
    if source_name is None:
        return None
    source = lib.by_file(source_name)
    if source is None:
        return None
    target = cache_dir() / name
    print(f"正在把字体 {source_name} 转换为 TrueType（仅首次，约半分钟）……", file=sys.stderr)
    convert_cff_to_truetype(source, target)
    return target


def resolve(extra_dirs: Iterable[str | Path] = ()) -> dict[str, FontChoice]:
    """Choose a face for every role. FontError if a role has no face at all."""
    lib = FontLibrary(extra_dirs)
    choices: dict[str, FontChoice] = {}
    for role in g.ROLES:
        files, families = STANDARD[role]
        wanted = g.DOCX_FONT[role]
        candidates: list[tuple[Path, int, str]] = []
        for fname in files:
            p = lib.by_file(fname)
            if p is not None:
                candidates.append((p, 0, fname))
        for fam in families:
            hit = lib.by_family(fam)
            if hit is not None:
                candidates.append((hit[0], hit[1], fam))
        chosen = None
        for path, index, label in candidates:
            tt = _truetype(path)
            if tt is not None and _load_check(tt, index if tt == path else 0):
                chosen = FontChoice(role, str(tt), index if tt == path else 0, label, False, wanted)
                break
        if chosen is None:
            for fname, index in FALLBACK[role]:
                p = _fallback_file(lib, fname)
                if p is not None and _load_check(p, index):
                    chosen = FontChoice(role, str(p), index, Path(fname).stem, True, wanted)
                    break
        if chosen is None:
            raise FontError(
                f"找不到可用于「{role}」的字体（标准字体 {wanted}，或开源替代字体）。\n"
                f"  请运行 README 中的安装命令（scripts/setup.sh），或把 {wanted} 字体文件放入字体文件夹。"
            )
        choices[role] = chosen
    return choices


_SETS: dict[tuple[str, ...], FontSet] = {}


def font_set(extra_dirs: Iterable[str | Path] = ()) -> FontSet:
    """The process-wide FontSet for these extra folders (reportlab's registry is global)."""
    key = tuple(str(d) for d in extra_dirs)
    fs = _SETS.get(key)
    if fs is None:
        choices = resolve(key)
        lib = FontLibrary(key)
        fallbacks = []
        for fname, index in GLYPH_FALLBACK:
            p = lib.by_file(fname)
            if p is not None and _load_check(p, index):
                fallbacks.append((p, index))
        fs = FontSet(choices, fallbacks)
        _SETS[key] = fs
        # the loaded faces are large, long-lived object graphs (cmaps of 30 000 entries); moving
        # them out of the collector's generations keeps every later collection short
        gc.freeze()
    return fs


def install_open_fonts(source_dirs: Iterable[Path], workers: int = 2) -> list[Path]:
    """Convert the Fandol CFF faces found under ``source_dirs`` into the cache (setup step)."""
    from concurrent.futures import ProcessPoolExecutor

    lib = FontLibrary(source_dirs)
    jobs = []
    for ttf_name in INSTALLED_BY_SETUP:
        target = cache_dir() / ttf_name
        if target.exists():
            continue
        source = lib.by_file(CONVERTIBLE[ttf_name])
        if source is None:
            raise FontError(f"找不到 {CONVERTIBLE[ttf_name]}（Fandol 字体，来自 Debian 的 texlive-lang-chinese 包）。")
        jobs.append((source, target))
    if jobs:
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
            list(pool.map(convert_cff_to_truetype, [s for s, _ in jobs], [t for _, t in jobs]))
    return [cache_dir() / n for n in INSTALLED_BY_SETUP]


def fontconfig_aliases(choices: dict[str, FontChoice]) -> str:
    """A fontconfig file mapping the standard face names a DOCX asks for to the faces in use,
    so LibreOffice on Linux renders a fawen DOCX with the same faces as the PDF."""
    lines = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">', "<fontconfig>",
             f"  <dir>{cache_dir()}</dir>"]  # fmt: skip
    for role, choice in choices.items():
        if not choice.fallback:
            continue
        names = _read_family_names(Path(choice.path))
        index = choice.subfont if choice.subfont < len(names) else 0
        family = next((n for n in (names[index] if names else []) if n.isascii()), choice.family)
        wanted = [choice.wanted] + [f for f in STANDARD[role][1] if f != choice.wanted]
        for name in wanted:
            lines.append(
                f'  <alias binding="same"><family>{name}</family><prefer><family>{family}</family></prefer></alias>'
            )
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"


def install_fontconfig(choices: dict[str, FontChoice]) -> Path | None:
    """Write the aliases into the user's fontconfig folder (Linux only)."""
    if sys.platform in ("win32", "darwin"):
        return None
    base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    target = base / "fontconfig" / "conf.d" / "60-fawen.conf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(fontconfig_aliases(choices), encoding="utf-8")
    return target


# ---- coverage: what validation lets through -----------------------------------------------------


class CodePoints:
    """A set of code points kept as sorted ranges: membership by bisection, without building a
    set of tens of thousands of integers at every start (validation needs only ``in``)."""

    __slots__ = ("ends", "starts")

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        pairs = sorted((int(a), int(b)) for a, b in ranges)
        self.starts = [a for a, _ in pairs]
        self.ends = [b for _, b in pairs]

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, int):
            return False
        i = bisect.bisect_right(self.starts, code) - 1
        return i >= 0 and code <= self.ends[i]

    def __len__(self) -> int:
        return sum(b - a + 1 for a, b in zip(self.starts, self.ends, strict=True))


_COVERAGE: dict[tuple[str, ...], CodePoints] = {}


def coverage(extra_dirs: Iterable[str | Path] = ()) -> CodePoints:
    """The code points the faces in use draw, as plain data for validation.

    Only the Basic Multilingual Plane: reportlab writes each ToUnicode entry as four hex digits,
    so a character above U+FFFF (an emoji, a CJK Extension B character) is drawn but extracts as
    another one (U+1F600 as U+1F60); such a character is refused rather than printed wrongly.
    Cached on disk by the font files' names, sizes and times: loading every face takes seconds.
    """
    key = tuple(str(d) for d in extra_dirs)
    hit = _COVERAGE.get(key)
    if hit is not None:
        return hit
    lib = FontLibrary(key)
    listing = []
    for path in sorted(lib.files().values()):
        try:
            st = path.stat()
        except OSError:
            continue
        listing.append(f"{path}|{st.st_size}|{st.st_mtime_ns}")
    fonts = "\n".join((*key, "", *listing))
    # named by a CRC and holding the listing it was made from, so a clash of names only costs a
    # recount; hashlib would load OpenSSL in every `fawen validate` for it
    cache = cache_dir() / f"coverage-{zlib.crc32(fonts.encode('utf-8', 'surrogateescape')):08x}.json"
    try:
        saved = json.loads(cache.read_text(encoding="utf-8", errors="surrogateescape"))
        if saved["fonts"] != fonts:
            raise ValueError(cache)
        codes = CodePoints((a, b) for a, b in saved["ranges"])
    except (OSError, ValueError, TypeError, KeyError):
        fs = font_set(key)
        ranges = _ranges(c for f in fs._rl.values() for c in f.face.charToGlyph if c <= 0xFFFF)
        _write_ranges(cache, fonts, ranges)
        codes = CodePoints((a, b) for a, b in ranges)
    _COVERAGE[key] = codes
    return codes


def _ranges(codes: Iterable[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for c in sorted(set(codes)):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return ranges


def _write_ranges(path: Path, fonts: str, ranges: list[list[int]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"fonts": fonts, "ranges": ranges}), encoding="utf-8", errors="surrogateescape")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs the next process the same seconds
