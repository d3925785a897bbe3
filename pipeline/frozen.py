"""Frozen records (值对象), declared as dataclasses are, without their cost at every start.

Python 3.11's ``dataclass(frozen=True)`` writes six methods of every class as source text and
compiles each with ``exec`` when the module is imported: the 35 records that ``fawen validate``
imports cost it about a fifth of its start-up (issue 13). ``frozen`` lets ``dataclasses`` collect
the fields, so ``dataclasses.fields``, ``replace`` and ``asdict`` work as before, and gives every
record the same compiled methods: the constructor, equality, hashing, ``repr`` and the refusal to
change a field. Only what the records use is supported; anything else is refused when the class
is declared, so a record never behaves differently from the dataclass it stands for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any
from typing import TypeVar
from typing import cast
from typing import dataclass_transform

_Class = TypeVar("_Class", bound=type)
_SPEC = "__record_spec__"


class _Spec:
    """What the shared methods need to know of one record class, worked out once."""

    __slots__ = ("defaults", "factories", "key", "names", "post_init", "shown")

    def __init__(self, cls: type) -> None:
        fields = dataclasses.fields(cls)
        self.names = tuple(f.name for f in fields)
        self.defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
        self.factories = {f.name: f.default_factory for f in fields if f.default_factory is not dataclasses.MISSING}
        self.shown = tuple(f.name for f in fields if f.repr)
        compared = tuple(f.name for f in fields if f.compare)
        self.key: Callable[[Any], Any] = attrgetter(*compared) if compared else _nothing
        self.post_init = getattr(cls, "__post_init__", None)


def _nothing(_: object) -> tuple[()]:
    return ()


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    spec: _Spec = getattr(type(self), _SPEC)
    names = spec.names
    if len(args) > len(names):
        raise TypeError(f"{type(self).__name__}() takes {len(names)} positional arguments but {len(args)} were given")
    values = dict(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key in values:
            raise TypeError(f"{type(self).__name__}() got multiple values for argument {key!r}")
        values[key] = value
    if len(values) != len(names):
        _complete(type(self).__name__, spec, values)
    self.__dict__.update(values)
    if spec.post_init is not None:
        spec.post_init(self)


def _complete(name: str, spec: _Spec, values: dict[str, Any]) -> None:
    """Fill the defaults in; refuse keys that are no field and fields left without a value."""
    unknown = [k for k in values if k not in spec.names]
    if unknown:
        raise TypeError(f"{name}() got an unexpected keyword argument {unknown[0]!r}")
    for field in spec.names:
        if field in values:
            continue
        if field in spec.defaults:
            values[field] = spec.defaults[field]
        elif field in spec.factories:
            values[field] = spec.factories[field]()
        else:
            raise TypeError(f"{name}() missing required argument: {field!r}")


def _eq(self: Any, other: object) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = getattr(type(self), _SPEC).key
    return key(self) == key(other)


def _hash(self: Any) -> int:
    return hash(getattr(type(self), _SPEC).key(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in getattr(type(self), _SPEC).shown)
    return f"{type(self).__qualname__}({shown})"


def _refuse_change(self: Any, name: str, value: Any = None) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_delete(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: _Class) -> _Class:
    """Make ``cls`` a frozen record, as ``@dataclass(frozen=True)`` would."""
    if cls.__doc__ is None:
        cls.__doc__ = cls.__name__  # dataclass would otherwise build one with inspect.signature
    made: Any = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    for f in dataclasses.fields(made):
        if not f.init or f.kw_only is True:
            raise TypeError(f"{cls.__name__}.{f.name}: record fields are positional and set by the constructor")
    for name in ("__init__", "__eq__", "__hash__", "__repr__", "__setattr__", "__delattr__"):
        if name in cls.__dict__:
            raise TypeError(f"{cls.__name__} defines {name}, which a frozen record provides")
    setattr(made, _SPEC, _Spec(made))
    made.__init__ = _init
    made.__eq__ = _eq
    made.__hash__ = _hash
    made.__repr__ = _repr
    made.__setattr__ = _refuse_change
    made.__delattr__ = _refuse_delete
    return cast("_Class", made)
