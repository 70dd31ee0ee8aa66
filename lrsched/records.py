"""Immutable records without code generation: the subset of :mod:`dataclasses` lrsched uses.

The standard decorator compiles an ``__init__``, ``__repr__`` and ``__eq__`` for every class
with ``exec`` (about half a millisecond each, more on a busy machine).  The classes on the
start-up path of ``lrsched table`` (constraints, specs, results) paid a third of lrsched's
own import time for that, and start-up is part of the product.  These records keep the
dataclass spelling (``@dataclass(frozen=True)``, ``field(...)``, ``replace``) with shared,
generic methods instead.
"""

from __future__ import annotations

_MISSING = object()


class Field:
    __slots__ = ("name", "default", "default_factory", "init", "repr", "compare")

    def __init__(self, default=_MISSING, default_factory=_MISSING, init=True, repr=True, compare=True):
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare


def field(*, default=_MISSING, default_factory=_MISSING, init=True, repr=True, compare=True) -> Field:
    return Field(default, default_factory, init, repr, compare)


def _collect(cls) -> tuple:
    fields: dict = {}
    for klass in reversed(cls.__mro__[:-1]):
        for name, annotation in klass.__dict__.get("__annotations__", {}).items():
            if isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = klass.__dict__.get(name, _MISSING)
            f = value if isinstance(value, Field) else Field(default=value)
            if isinstance(value, Field) and f.default is not _MISSING:
                setattr(klass, name, f.default)
            elif isinstance(value, Field):
                delattr(klass, name)
            f.name = name
            fields[name] = f
    return tuple(fields.values())


def _init(self, *args, **kwargs) -> None:
    fields = type(self).__record_fields__
    init_fields = [f for f in fields if f.init]
    if len(args) > len(init_fields):
        raise TypeError(f"{type(self).__name__}() takes {len(init_fields)} arguments, got {len(args)}")
    values = {f.name: a for f, a in zip(init_fields, args)}
    for key, value in kwargs.items():
        if key in values or not any(f.name == key and f.init for f in fields):
            raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument {key!r}")
        values[key] = value
    for f in fields:
        if f.name in values:
            value = values[f.name]
        elif f.default is not _MISSING:
            value = f.default
        elif f.default_factory is not _MISSING:
            value = f.default_factory()
        elif not f.init:
            continue
        else:
            raise TypeError(f"{type(self).__name__}() missing argument {f.name!r}")
        object.__setattr__(self, f.name, value)
    post = getattr(self, "__post_init__", None)
    if post is not None:
        post()


def _key(self) -> tuple:
    return tuple(getattr(self, f.name) for f in type(self).__record_fields__ if f.compare)


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _key(self) == _key(other)


def _hash(self):
    return hash(_key(self))


def _repr(self) -> str:
    parts = ", ".join(f"{f.name}={getattr(self, f.name, None)!r}"
                      for f in type(self).__record_fields__ if f.repr)
    return f"{type(self).__qualname__}({parts})"


def _frozen_setattr(self, name, value):
    raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")


def dataclass(cls=None, *, frozen: bool = False):
    """Make ``cls`` a record: fields from its annotations, defaults from its attributes."""

    def wrap(klass):
        klass.__record_fields__ = _collect(klass)
        klass.__init__ = _init
        klass.__repr__ = _repr
        klass.__eq__ = _eq
        if frozen:
            klass.__hash__ = _hash
            klass.__setattr__ = _frozen_setattr
            klass.__delattr__ = _frozen_setattr
        else:
            klass.__hash__ = None
        return klass

    return wrap if cls is None else wrap(cls)


def replace(obj, **changes):
    """A copy of ``obj`` with some fields changed."""
    for f in type(obj).__record_fields__:
        if f.init and f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return type(obj)(**changes)
