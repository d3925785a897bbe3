"""Rebuild the DOCX templates in this folder from code: ``python templates/build.py``.

The templates are generated (pipeline/docx_template.py) so that every change to them can be
reviewed as a code change; users may still open and adjust them in Word or WPS, and a
workspace can carry its own ``templates/<文种>.docx`` to override these.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.docx_template import TEMPLATES  # noqa: E402


def main() -> None:
    for kind, build in TEMPLATES.items():
        target = HERE / f"{kind}.docx"
        target.write_bytes(build())
        print(f"已生成 {target.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
