"""Faster pickling of the engine's slotted result objects (cache entries of the web app).

A results page caches its :class:`kineco2.engine.result.Result` (Redis or local memory, both
pickle it): about 300 slotted frozen dataclasses (lines, drivers, intervals…). Their default
pickling goes through ``dataclasses``' Python ``__getstate__``/``__setstate__``, which call
``dataclasses.fields()`` for every object: ≈ 60 % of pickling a result. Here each slotted
dataclass of the engine's result modules is pickled as (class, field values read by one
``operator.attrgetter``) and rebuilt by setting the same slots — the same object, field for
field (no ``__init__``/``__post_init__`` run, as with the default). Classes with a
``__dict__`` keep the default, which is already fast and keeps cached attributes.

Entries pickled before (default format) still load: this only registers reducers
(``copyreg``), it does not change how the default format is read.
"""

from __future__ import annotations

import copyreg
import dataclasses
import operator

_FIELDS: dict[type, tuple[str, ...]] = {}
_set = object.__setattr__


def _rebuild(cls: type, values: tuple):
    obj = object.__new__(cls)
    for name, value in zip(_FIELDS[cls], values, strict=True):
        _set(obj, name, value)
    return obj


def _reducer(cls: type):
    names = tuple(field.name for field in dataclasses.fields(cls))
    _FIELDS[cls] = names
    if len(names) == 1:
        (name,) = names

        def values(obj):
            return (getattr(obj, name),)
    else:
        values = operator.attrgetter(*names)

    def reduce(obj):
        return _rebuild, (cls, values(obj))

    return reduce


def register() -> None:
    """Register the reducers (idempotent)."""
    from kineco2.engine import lines, result

    for module in (lines, result):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and dataclasses.is_dataclass(value)
                and "__slots__" in vars(value)
                # instances without a __dict__ (no base class gives them one)
                and not any("__dict__" in vars(base) for base in value.__mro__)
                and value not in _FIELDS
            ):
                copyreg.pickle(value, _reducer(value))
