"""Reading rendered PDFs back: text lines with positions in mm, fonts, colours, rules, ink."""

from __future__ import annotations

import io

import os
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

MM = 72 / 25.4
PAGE_H_PT = 841.89

# Font roles by the faces fawen may embed (standard names and the open stand-ins).
ROLE_FONTS = {
    "仿宋": ("FangSong", "仿宋", "FZFangSong", "FandolFang", "FS"),
    "黑体": ("SimHei", "黑体", "Hei", "WenQuanYi", "MicroHei", "ZenHei"),
    "楷体": ("KaiTi", "楷体", "Kai", "UKai", "WenKai"),
    "小标宋": ("FZXiaoBiaoSong", "小标宋", "XBS", "FandolSong-Bold", "XiaoBiaoSong"),
    "宋体": ("SimSun", "宋体", "Song", "UMing", "Ming"),
}


def role_of(fontname: str) -> str | None:
    base = fontname.split("+", 1)[-1]
    for role, keys in ROLE_FONTS.items():
        if role == "宋体" and "Bold" in base:
            continue
        if any(k.lower() in base.lower() for k in keys):
            return role
    return None


@dataclass
class Line:
    """Characters sharing a baseline on one page."""

    page: int  # 1-based
    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"] / MM

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"] / MM

    @property
    def top(self) -> float:
        return min(c["top"] for c in self.chars) / MM

    @property
    def bottom(self) -> float:
        return max(c["bottom"] for c in self.chars) / MM

    @property
    def baseline(self) -> float:
        """The text origin's y (mm from the page top)."""
        return (PAGE_H_PT - self.chars[0]["matrix"][5]) / MM

    @property
    def size(self) -> float:
        return self.chars[0]["size"]

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    def roles(self) -> set[str | None]:
        return {role_of(c["fontname"]) for c in self.chars if not c["text"].isspace()}

    def colours(self) -> set[tuple]:
        return {tuple(round(v, 3) for v in (c["non_stroking_color"] or (0,))) for c in self.chars}


def is_red(colour: tuple | None) -> bool:
    if not colour:
        return False
    if len(colour) == 3:
        r, g, b = colour
        return r >= 0.7 and g <= 0.35 and b <= 0.35
    if len(colour) == 4:
        c, m, y, k = colour
        return m >= 0.7 and y >= 0.7 and c <= 0.2 and k <= 0.2
    return False


def is_black(colour: tuple | None) -> bool:
    if not colour:
        return True
    if len(colour) == 1:
        return colour[0] <= 0.1
    if len(colour) == 3:
        return all(v <= 0.1 for v in colour)
    if len(colour) == 4:
        return colour[3] >= 0.9 or all(v <= 0.1 for v in colour)
    return False


class PdfFacts:
    """A rendered PDF, read back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # read from memory: an open file left for the collector warns (ResourceWarning) at some
        # later moment, inside whatever runs then — pikepdf's PDF/A check reports any warning it sees
        self.pdf = pdfplumber.open(io.BytesIO(path.read_bytes()))
        self.pages = self.pdf.pages
        self.lines: list[Line] = []
        for i, page in enumerate(self.pages, 1):
            rows: dict[float, list[dict]] = {}
            for c in page.chars:
                key = round(PAGE_H_PT - c["matrix"][5], 0)  # the baseline: faces differ in descent
                rows.setdefault(key, []).append(c)
            for key in sorted(rows):
                chars = sorted(rows[key], key=lambda c: c["x0"])
                # split a row into separate lines where there is a wide gap (left/right texts)
                group = [chars[0]]
                for c in chars[1:]:
                    if c["x0"] - group[-1]["x1"] > 12 * MM:
                        self.lines.append(Line(i, group))
                        group = []
                    group.append(c)
                self.lines.append(Line(i, group))

    def page_lines(self, page: int) -> list[Line]:
        return [ln for ln in self.lines if ln.page == page]

    def find(self, text: str) -> Line:
        for ln in self.lines:
            if text in ln.text:
                return ln
        raise AssertionError(f"no line contains {text!r}")

    def text(self) -> str:
        return "".join(ln.text for ln in self.lines)

    def rules(self, page: int) -> list[dict]:
        """Horizontal strokes: x0, x1, y (centre, mm), width (mm), colour."""
        out = []
        p = self.pages[page - 1]
        for ln in p.lines:
            if abs(ln["top"] - ln["bottom"]) < 0.5:
                out.append({"x0": ln["x0"] / MM, "x1": ln["x1"] / MM, "y": (ln["top"] + ln["bottom"]) / 2 / MM,
                            "width": ln["linewidth"] / MM, "colour": tuple(ln["stroking_color"] or (0,))})
        for r in p.rects:
            if r["height"] < 2 * MM and r["width"] > 20 * MM:
                out.append({"x0": r["x0"] / MM, "x1": r["x1"] / MM, "y": (r["top"] + r["bottom"]) / 2 / MM,
                            "width": r["height"] / MM, "colour": tuple(r["non_stroking_color"] or (0,))})
        return out

    def ink_box(self, page: int, x0: float, y0: float, x1: float, y1: float, red: bool) -> tuple[float, ...] | None:
        """Bounding box (mm) of red (or dark) ink inside a box, from a 600 dpi raster."""
        from PIL import ImageChops

        p = self.pages[page - 1]
        crop = p.crop((x0 * MM, y0 * MM, x1 * MM, y1 * MM))
        image = crop.to_image(resolution=600).original.convert("RGB")
        r, g, b = image.split()
        if red:
            masks = (r.point(lambda v: 255 if v > 150 else 0), g.point(lambda v: 255 if v < 110 else 0),
                     b.point(lambda v: 255 if v < 110 else 0))
        else:
            masks = tuple(ch.point(lambda v: 255 if v < 120 else 0) for ch in (r, g, b))
        mask = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
        box = mask.getbbox()
        if box is None:
            return None
        k = 25.4 / 600
        return (x0 + box[0] * k, y0 + box[1] * k, x0 + box[2] * k, y0 + box[3] * k)


def filed_records(outbox: Path) -> list[Path]:
    """The 元数据.json of every filed version, read while a watcher may be filing: staging folders
    come and go under a walk, so they are skipped and a folder that vanishes is passed over."""
    found = []
    for folder, dirs, files in os.walk(outbox):
        dirs[:] = sorted(d for d in dirs if d not in (".staging", ".fawen"))
        found += [Path(folder) / f for f in files if f == "元数据.json"]
    return found
