"""fawen: Chinese official documents (公文, 红头文件) typeset to GB/T 9704-2012 as PDF and DOCX."""

from __future__ import annotations

__version__ = "0.1.0"
