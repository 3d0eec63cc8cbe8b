"""Building model objects by the million: slot setters for frozen dataclasses, and a pause of
the cyclic garbage collector.

A frozen dataclass's generated `__init__` sets each field through `object.__setattr__`, several
times slower than a plain class; and each full pass of the cyclic collector walks every object
alive, which a million new objects trigger again and again. The estate loader, the collectors
and the result model use these two helpers where a run builds objects per row.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["Setter", "gc_paused", "slot_setters"]

#: `setter(obj, value)`: writes one slot of a frozen dataclass instance.
Setter = Callable[[object, object], None]


def slot_setters(cls: type[DataclassInstance], names: tuple[str, ...]) -> tuple[Setter, ...]:
    """The slot setters of the frozen, slotted dataclass `cls`, one per field in `names`.

    Setting every slot of `object.__new__(cls)` (or of an instance being initialised) through
    these builds the same object as the generated `__init__`, about twice as fast. `names`
    must be every field in declaration order, checked here, so that a field added to `cls`
    fails at import instead of going unset.
    """
    declared = tuple(f.name for f in fields(cls))
    if declared != names or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has fields {declared}, expected {names}")
    return tuple(getattr(cls, name).__set__ for name in names)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Nothing built here holds reference cycles, so nothing waits for the collector; its full
    passes would only walk everything alive again. The previous state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
