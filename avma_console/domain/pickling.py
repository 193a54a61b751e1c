"""Pickling the fleet's records by value: the tuple of their fields, rebuilt through their constructor.

Frozen slotted dataclasses pickle through the dataclasses module's generic `__getstate__`/`__setstate__`, which
look the fields up again for every object (`dataclasses.fields`) and set them one at a time: most of the cost of
shipping a 10,000-VM fleet between processes, paid on the console's side too when it unpickles what its
workers send. `by_fields` gives a record class a `__reduce__` that reads every field with one attrgetter and
rebuilds the object with its own `__init__` (the same object any construction makes).
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def by_fields(cls: type[T]) -> type[T]:
    """Class decorator, below @dataclass: pickle instances as `cls(*fields)`. Every field must be an __init__
    parameter, in declaration order (as dataclasses make them unless a field says init=False)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]  # a dataclass, by the decorator's contract
    if not all(field.init for field in fields):
        raise TypeError(f"{cls.__name__}: by_fields needs every field in __init__")
    names = [field.name for field in fields]
    getter: Callable[[Any], Any] = operator.attrgetter(*names)
    if len(names) == 1:
        single = getter
        getter = lambda record: (single(record),)  # noqa: E731 - attrgetter of one name gives the value alone

    def __reduce__(self: T) -> tuple[type[T], tuple[Any, ...]]:  # noqa: N807 - the pickle protocol's name
        return cls, getter(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment, method-assign]
    return cls
