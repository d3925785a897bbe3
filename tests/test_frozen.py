"""pipeline.frozen: a frozen record behaves as the ``@dataclass(frozen=True)`` it replaces.

Each behaviour is checked against a real frozen dataclass declared the same way, so the test
fails if the two ever part.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from pipeline.frozen import frozen
from pipeline.model import Block
from pipeline.model import BlockKind
from pipeline.model import Organ


def _declare(decorator):  # type: ignore[no-untyped-def]
    @decorator
    class Row:
        name: str
        seq: int = 0
        tags: dict[str, str] = dataclasses.field(default_factory=dict)
        note: str = dataclasses.field(default="", compare=False, repr=False)

    return Row


Record = _declare(frozen)
Dataclass = _declare(dataclasses.dataclass(frozen=True))

CALLS = [
    (("甲",), {}),
    (("甲", 2), {}),
    (("甲",), {"seq": 3, "note": "备注"}),
    ((), {"name": "乙", "tags": {"k": "v"}}),
    (("甲", 2, {"a": "b"}, "n"), {}),
]
BAD_CALLS = [
    ((), {}),  # a required field left out
    (("甲", 1, {}, "n", "extra"), {}),  # too many positional
    (("甲",), {"name": "乙"}),  # twice
    (("甲",), {"colour": "红"}),  # no such field
    ((), {"seq": 1}),
]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_construction_fields_and_repr_match_the_dataclass(args: tuple, kwargs: dict) -> None:
    ours, theirs = Record(*args, **kwargs), Dataclass(*args, **kwargs)
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(theirs)]
    assert repr(ours).replace("Record", "") == repr(theirs).replace("Dataclass", "")
    assert repr(ours).startswith("_declare.<locals>.Row(name=")


@pytest.mark.parametrize(("args", "kwargs"), BAD_CALLS)
def test_wrong_calls_are_refused_as_the_dataclass_refuses_them(args: tuple, kwargs: dict) -> None:
    with pytest.raises(TypeError):
        Dataclass(*args, **kwargs)
    with pytest.raises(TypeError):
        Record(*args, **kwargs)


def test_each_record_gets_its_own_default_from_the_factory() -> None:
    first, second = Record("甲"), Record("甲")
    assert first.tags == {} and first.tags is not second.tags


def test_equality_and_hash_follow_the_compared_fields() -> None:
    assert Record("甲", 1, note="x") == Record("甲", 1, note="y")  # note is compare=False
    assert Record("甲", 1) != Record("甲", 2)
    assert Record("甲") != Dataclass("甲")  # another class is never equal
    assert Block(BlockKind.PARAGRAPH, "一") == Block(BlockKind.PARAGRAPH, "一")
    assert hash(Block(BlockKind.PARAGRAPH, "一")) == hash(Block(BlockKind.PARAGRAPH, "一"))
    assert len({Block(BlockKind.PARAGRAPH, "一"), Block(BlockKind.PARAGRAPH, "一"), Block(BlockKind.HEADING, "一", 1)}) == 2
    with pytest.raises(TypeError):  # a dict field makes it unhashable, as in the dataclass
        hash(Record("甲"))
    with pytest.raises(TypeError):
        hash(Dataclass("甲"))


def test_a_record_cannot_be_changed_but_can_be_replaced_copied_and_pickled() -> None:
    block = Block(BlockKind.HEADING, "一、总则", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        block.text = "改"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del block.text  # type: ignore[misc]
    changed = dataclasses.replace(block, text="二、职责")
    assert (changed.text, changed.level, block.text) == ("二、职责", 1, "一、总则")
    assert copy.deepcopy(block) == block
    assert pickle.loads(pickle.dumps(block)) == block
    organ = Organ(name="罕台镇信访工作联席会议办公室", mark="罕台镇信访工作联席会议文件", codes={"通知": "罕信联"})
    assert pickle.loads(pickle.dumps(organ)).codes == {"通知": "罕信联"}


def test_post_init_runs_after_the_fields_are_set() -> None:
    seen = []

    @frozen
    class Checked:
        value: int

        def __post_init__(self) -> None:
            seen.append(self.value)

    Checked(7)
    assert seen == [7]


def test_what_a_record_cannot_stand_for_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match="positional"):

        @frozen
        class Late:
            value: int = dataclasses.field(init=False, default=0)

    with pytest.raises(TypeError, match="__eq__"):

        @frozen
        class OwnEquality:
            value: int

            def __eq__(self, other: object) -> bool:
                return True
