"""The character check of ruamel's reader, written so that it compiles at once.

ruamel finds a character YAML does not allow with the class of the allowed ones, negated
(``[^\\x09\\x0A\\x0D\\x20-\\x7E…\\U00010000-\\U0010FFFF]``). Python's ``re`` compiles that class in
7 ms, a twentieth of a whole ``fawen validate``, in every process that reads a Chinese input. The
class of the characters not allowed is the same set written the other way round and compiles in
under 1 ms; ``tests/stages/test_parse_validate.py`` checks the two agree on every code point.
"""

from __future__ import annotations

from ruamel.yaml.reader import Reader
from ruamel.yaml.util import RegExp

# YAML 1.2 §5.1: printable is TAB, LF, CR, 0x20-0x7E, NEL, 0xA0-0xD7FF, 0xE000-0xFFFD and
# 0x10000-0x10FFFF; what remains is listed here.
NOT_PRINTABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"


class QuickCheckReader(Reader):
    """ruamel's reader with the not-printable class above (compiled when first needed, as ruamel's)."""

    NON_PRINTABLE = RegExp(NOT_PRINTABLE)
