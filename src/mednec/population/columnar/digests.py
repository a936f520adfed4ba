"""What the columnar engine reproduces, fingerprinted: the row-wise code each vectorised path was
written against.

A vectorised path is used only while the row-wise code it mirrors is unchanged; otherwise the
columnar engine takes its exact but slower route -- the case-file parser for each value or row, a
calculator's own ``run`` per patient, or the row-wise engine for the chunk -- and says so in the
run's notes. After changing the row-wise code, run the property test
(``tests/population/test_columnar.py``), update the vectorised path, and record the new digest here
(:func:`current`) or in the calculator's twin (:func:`mednec.population.columnar.calculators.source_digest`).

The fingerprint (:func:`code_digest`) covers exactly the code a path mirrors: the listed functions
and everything of mednec they reach -- the functions and classes they name (directly or as
``module.name``), the classes in their annotations, every method of a class reached, and the values
of the module constants they read -- and nothing else, so an edit elsewhere in the same modules
leaves it unchanged, while an edit to any of that code changes it (the fast path is then not used:
it fails closed).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import inspect
import linecache
import re
import sys
import types
from collections.abc import Callable
from functools import cache
from typing import Any

__all__ = ["EXPECTED", "code_digest", "current", "matches", "reached"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _ours(obj: Any) -> bool:
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and (module == "mednec" or module.startswith("mednec."))


def _code_of(obj: Any) -> list[tuple[types.CodeType, dict[str, Any], dict[str, Any]]]:
    """The code objects of a function (its own) or a class (every method's), each with the globals
    it reads names from and its annotations."""
    out = []
    funcs: list[Any] = []
    if inspect.isclass(obj):
        for value in vars(obj).values():
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, property):
                funcs.extend(f for f in (value.fget, value.fset, value.fdel) if f is not None)
            elif inspect.isfunction(value):
                funcs.append(value)
    elif inspect.isfunction(obj):
        funcs.append(obj)
    for f in funcs:
        f = inspect.unwrap(f)
        out.append((f.__code__, f.__globals__, getattr(f, "__annotations__", {})))
    return out


def _canon(value: Any, depth: int = 0) -> str:
    """A module constant as text that does not depend on the process (sets sorted, no addresses)."""
    if depth > 6:
        return "..."
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return repr(value)
    if isinstance(value, enum.Enum):
        return f"{type(value).__qualname__}.{value.name}={_canon(value.value, depth + 1)}"
    if isinstance(value, dict):
        return "{" + ",".join(sorted(f"{_canon(k, depth + 1)}:{_canon(v, depth + 1)}" for k, v in value.items())) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_canon(v, depth + 1) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ",".join(_canon(v, depth + 1) for v in value) + ")"
    if isinstance(value, re.Pattern):
        return f"re({value.pattern!r},{value.flags})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).__qualname__ + _canon({f.name: getattr(value, f.name) for f in dataclasses.fields(value)},
                                                 depth + 1)
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


def _function_text(fn: Any) -> str:
    """A function's source lines, from its first line (decorators included) to its last line of
    code, read through :mod:`linecache` (no parsing: ``inspect.getsource`` parses whole modules for
    a class and tokenises every block, which cost more than a chunk's evaluation)."""
    code = fn.__code__
    if code.co_filename.startswith("<"):  # generated (a dataclass's __init__): its class's fields say it
        return ""
    last = code.co_firstlineno
    stack = [code]
    while stack:
        c = stack.pop()
        last = max([last, *(line for _, _, line in c.co_lines() if line is not None)])
        stack.extend(x for x in c.co_consts if isinstance(x, types.CodeType))
    lines = linecache.getlines(code.co_filename)
    return "".join(lines[code.co_firstlineno - 1:last])


_SKIP = frozenset({"__dict__", "__weakref__", "__module__", "__doc__", "__qualname__", "__firstlineno__",
                   "__static_attributes__", "__orig_bases__", "__parameters__", "_abc_impl"})


def _class_text(cls: type) -> str:
    """A class as text: its bases, every method's source, its fields and class constants."""
    parts = [f"class {cls.__qualname__}({', '.join(f'{b.__module__}.{b.__qualname__}' for b in cls.__bases__)})"]
    for name, value in sorted(vars(cls).items()):
        if name in _SKIP:
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            parts.extend(_function_text(inspect.unwrap(f)) for f in (value.fget, value.fset, value.fdel) if f)
        elif inspect.isfunction(value):
            parts.append(_function_text(inspect.unwrap(value)))
        elif name == "__dataclass_fields__":
            parts.append(name + "=" + _canon({k: (str(f.type), _canon(f.default), getattr(f.default_factory, "__qualname__",
                                                                                      "")) for k, f in value.items()}))
        elif not callable(value) or isinstance(value, enum.Enum):
            parts.append(f"{name}={_canon(value)}")
    return "\n".join(parts)


_IMMUTABLE = (type(None), bool, int, float, str, bytes, tuple, frozenset, enum.Enum, re.Pattern)


def _assignment(module: str, name: str) -> str | None:
    """The statement that assigns ``name`` at the top level of ``module``'s source (up to the next
    top-level statement), or None."""
    mod = sys.modules.get(module)
    path = getattr(mod, "__file__", None)
    if not path:
        return None
    lines = linecache.getlines(path)
    head = re.compile(rf"^{re.escape(name)}\s*(:[^=]+)?=[^=]")
    for i, line in enumerate(lines):
        if head.match(line):
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j][0] in " \t)]}"):
                j += 1
            return "".join(lines[i:j]).rstrip()
    return None


def _constant_text(module: str, name: str, value: Any) -> tuple[str, str]:
    """Where a module constant is assigned and the text of that assignment (a table, a pattern,
    a limit); a constant imported from another mednec module is found there. Values are read only
    when no assignment is found and the value cannot change (a cache filled at run time would
    otherwise make the digest depend on what ran before)."""
    text = _assignment(module, name)
    if text is not None:
        return module, text
    for other, mod in sorted(sys.modules.items()):
        if other.startswith("mednec.") and getattr(mod, name, None) is value and (text := _assignment(other, name)):
            return other, text
    return module, "= " + (_canon(value) if isinstance(value, _IMMUTABLE) else type(value).__qualname__)


def reached(*roots: Any) -> dict[str, str]:
    """Everything of mednec the ``roots`` (functions, classes) reach, as ``{qualified name: its
    text}``: a function's source, a class's methods and fields, a module constant's value (see the
    module docstring)."""
    found: dict[str, str] = {}
    todo = list(roots)
    while todo:
        obj = todo.pop()
        if not inspect.isclass(obj):
            obj = inspect.unwrap(obj)
        key = f"{obj.__module__}.{obj.__qualname__}"
        if key in found:
            continue
        found[key] = _class_text(obj) if inspect.isclass(obj) else _function_text(obj)
        if inspect.isclass(obj):
            todo.extend(b for b in obj.__bases__ if _ours(b))
        for code, glob, notes in _code_of(obj):
            names: set[str] = set()
            stack = [code]
            while stack:
                c = stack.pop()
                names.update(c.co_names)
                stack.extend(x for x in c.co_consts if isinstance(x, types.CodeType))
            for note in notes.values():  # the classes in the annotations (text, with postponed evaluation)
                names.update(_NAME.findall(note) if isinstance(note, str) else ())
            module = str(glob.get("__name__", ""))
            for name in sorted(names):
                if name not in glob:
                    continue
                value = glob[name]
                if isinstance(value, types.ModuleType):
                    if value.__name__.startswith("mednec."):  # module.name: the names it uses
                        todo.extend(a for n in sorted(names) if (a := getattr(value, n, None)) is not None
                                    and (inspect.isfunction(a) or inspect.isclass(a)) and _ours(a))
                elif inspect.isfunction(value) or inspect.isclass(value):
                    if _ours(value):
                        todo.append(value)
                elif module.startswith("mednec.") and (not callable(value) or isinstance(value, enum.Enum)):
                    home, text = _constant_text(module, name, value)
                    found.setdefault(f"{home}.{name}", text)
    return found


def code_digest(*roots: Any) -> str:
    """SHA-256 (16 hex) of the code the ``roots`` reach (:func:`reached`), in name order."""
    h = hashlib.sha256()
    for key, text in sorted(reached(*roots).items()):
        h.update(f"{key}\n{text}\n".encode())
    return h.hexdigest()[:16]


def _values() -> tuple[Any, ...]:
    from mednec.facts.dictionary import FactDef, normalize_unit
    from mednec.intake import values

    return (values.parse_date, values._parse_date, values._check_not_future, values._number, values._check_range,  # noqa: SLF001
            values._parse_number, values._parse_bool, values._parse_category, values._parse_event,  # noqa: SLF001
            values.parse_fact_value, values._parse_typed, FactDef.convert, FactDef.scale, FactDef.category_key,
            normalize_unit)  # noqa: SLF001


def _case() -> tuple[Any, ...]:
    from mednec.intake import case_file, values
    from mednec.population import table

    return (case_file.parse_case, case_file.check_contradictions, case_file._matches,  # noqa: SLF001
            values.parse_text_form, values.value_facts, values.value_code_facts, values.read_off_rows, table.row_case,
            table._events)  # noqa: SLF001


def _derive() -> tuple[Any, ...]:
    from mednec.calculators.registry import Calculator, CalculatorSet

    return (CalculatorSet.derive, Calculator.ready, Calculator.compute)


def _statements() -> tuple[Any, ...]:
    """What the column-wise Bulk reader's statement twin (``bulk_columns._statement_columns``) mirrors."""
    from mednec.intake.fhir import history, medication, treatment
    from mednec.intake.fhir.common import EsaCourse

    return (medication.map_statement, medication.assemble_esa, medication.response_of, treatment.map_statement,
            treatment.assemble_treatment, history.map_history_statement, EsaCourse)


PARTS: dict[str, Callable[[], tuple[Any, ...]]] = {"values": _values, "case": _case, "derive": _derive,
                                                   "statements": _statements}

#: The digests the vectorised paths were written against.
EXPECTED: dict[str, str] = {"values": "4317a39cab84ccc8", "case": "e1800ce88ff966f6", "derive": "b91e114f9d9e3994",
                           "statements": "1c1b6fbaa568997c"}


@cache
def current(part: str) -> str:
    """The digest of one part's row-wise source as it is now (read once per process: reading the
    source through :mod:`inspect` for every chunk cost more than evaluating it)."""
    return code_digest(*PARTS[part]())


def matches(part: str) -> bool:
    """Whether the vectorised path of ``part`` still mirrors the row-wise code."""
    return EXPECTED.get(part) == current(part)
