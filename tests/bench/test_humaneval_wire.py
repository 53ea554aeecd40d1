"""HumanEval's wire format: builtin values round-trip, anything with behaviour cannot cross."""

from __future__ import annotations

import json
import math
import socket

import pytest

from hgm.bench.humaneval_rpc import wire

VALUES = [
    None,
    True,
    0,
    -(10**30),
    1.5,
    "text",
    b"\x00\xff",
    1 + 2j,
    [1, [2, (3, 4)]],
    (1, "a", None),
    {1, 2},
    frozenset({"x"}),
    {"a": 1, 2: [3], (4, 5): {6}},
    [],
    (),
    {},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_builtin_values_round_trip_with_their_exact_types(value: object) -> None:
    data = json.loads(json.dumps(wire.encode(value)))
    back = wire.decode(data)
    assert back == value and type(back) is type(value)


def test_non_finite_floats_cross() -> None:
    back = wire.decode(json.loads(json.dumps(wire.encode([math.inf, -math.inf, math.nan]))))
    assert back[:2] == [math.inf, -math.inf] and math.isnan(back[2])


def test_objects_with_behaviour_never_cross() -> None:
    class AlwaysEqual:
        def __eq__(self, other: object) -> bool:
            return True

    class Sneaky(int):
        def __eq__(self, other: object) -> bool:
            return True

    for value in (AlwaysEqual(), Sneaky(3), [1, Sneaky(2)], {"k": AlwaysEqual()}):
        with pytest.raises(wire.WireError, match="is not plain data"):
            wire.encode(value)


@pytest.mark.parametrize(
    "data",
    [
        {"$": "object", "v": []},
        {"eq": "always"},
        {"$": "set", "v": [[1]]},
        {"$": "dict", "v": [[1]]},
        {"$": "complex", "v": [1, "x"]},
        {"$": "float", "v": "1e5"},
    ],
)
def test_decoding_builds_only_what_encode_makes(data: object) -> None:
    with pytest.raises(wire.WireError):
        wire.decode(data)


def test_messages_are_framed_and_bounded() -> None:
    left, right = socket.socketpair()
    with left, right:
        wire.send(left, {"value": wire.encode((1, 2))})
        assert wire.decode(wire.receive(right)["value"]) == (1, 2)
        left.sendall(wire.HEADER.pack(wire.MAX_MESSAGE + 1))
        with pytest.raises(wire.WireError, match="exceeds"):
            wire.receive(right)
        left.sendall(wire.HEADER.pack(2) + b"[]")
        with pytest.raises(wire.WireError, match="JSON object"):
            wire.receive(right)
        left.close()
        with pytest.raises(EOFError):
            wire.receive(right)
