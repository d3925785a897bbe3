"""Rendering speed: the seed notice rendered N times in one process.

Prints documents per second for the DOCX (docxtpl), the PDF (reportlab) and both, after a
warm-up; and, where LibreOffice is installed, the usual alternative route — docxtpl, then
``soffice --convert-to pdf`` — timed in the same run, with the ratio between the two.

    .venv/bin/python benchmarks/render.py [-n 200] [--lo 10]

Targets (issue 2): PDF >= 40/s, DOCX >= 40/s, both >= 20/s, one process, after warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.run import compose_request  # noqa: E402
from pipeline.run import read_request  # noqa: E402
from pipeline.run import render_request  # noqa: E402
from pipeline.stages import typeset_pdf  # noqa: E402
from pipeline.stages.render_docx import render_docx  # noqa: E402
from pipeline.store import fonts as font_store  # noqa: E402
from pipeline.store import workspace as ws_store  # noqa: E402

SEED = ROOT / "examples" / "001-印发制度的通知.yaml"


def rate(label: str, n: int, fn) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    seconds = time.perf_counter() - start
    per_second = n / seconds
    print(f"{label:<28} {per_second:8.1f} 份/秒   （{n} 份，{seconds:.2f} 秒，每份 {seconds / n * 1000:.1f} ms）")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=200, help="documents per measurement")
    parser.add_argument("--lo", type=int, default=10, help="documents through LibreOffice (0: skip)")
    args = parser.parse_args()

    workspace = ws_store.Workspace(ws_store.SAMPLE_CONFIG.parent, ws_store.load_config_file(ws_store.SAMPLE_CONFIG))
    req = read_request(SEED, workspace, dt.date(2026, 11, 24))
    fonts = font_store.font_set(workspace.config.font_dirs)
    template = workspace.template(req.kind.value).read_bytes()
    comp = compose_request(req, workspace)

    def pdf() -> bytes:
        return typeset_pdf.typeset(comp, fonts).pdf

    def docx() -> bytes:
        return render_docx(comp, template)

    def both() -> None:
        render_request(req, workspace, SEED.parent)

    for _ in range(5):  # warm-up: fonts loaded, templates compiled
        both()
    pages = typeset_pdf.typeset(comp, fonts).pages
    print(f"种子通知：{SEED.name}，{pages} 页 PDF；Python {sys.version.split()[0]}")
    pdf_rate = rate("PDF（reportlab）", args.n, pdf)
    docx_rate = rate("DOCX（docxtpl）", args.n, docx)
    both_rate = rate("PDF + DOCX", args.n, both)
    targets = [("PDF", pdf_rate, 40), ("DOCX", docx_rate, 40), ("PDF + DOCX", both_rate, 20)]
    for label, value, target in targets:
        print(f"  目标 {label} >= {target}/秒：{'达到' if value >= target else '未达到'}")

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or args.lo <= 0:
        print("LibreOffice 未安装：跳过 docxtpl + LibreOffice 路线的对比。")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        profile = f"-env:UserInstallation=file://{folder}/profile"
        subprocess.run([soffice, "--headless", profile, "--convert-to", "pdf", "--outdir", str(folder / "warm"),
                        str(ROOT / "templates" / "通知.docx")], capture_output=True, check=False)  # fmt: skip
        start = time.perf_counter()
        for i in range(args.lo):
            path = folder / f"doc{i}.docx"
            path.write_bytes(docx())
            subprocess.run([soffice, "--headless", profile, "--convert-to", "pdf", "--outdir", str(folder), str(path)],
                           capture_output=True, check=True)  # fmt: skip
        seconds = time.perf_counter() - start
        lo_rate = args.lo / seconds
        print(f"{'docxtpl + LibreOffice':<28} {lo_rate:8.2f} 份/秒   （{args.lo} 份，每份一次 soffice，{seconds:.1f} 秒）")
        print(f"  fawen（PDF + DOCX）是 docxtpl + LibreOffice 的 {both_rate / lo_rate:.0f} 倍")


if __name__ == "__main__":
    main()
