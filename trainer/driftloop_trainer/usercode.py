"""User-code estimators: ``estimator.code = "package.module:function"``.

The module is imported only from the directory named by the environment
variable DRIFTLOOP_USER_CODE (in the trainer image, a mounted ``/user-code``).
Nothing else is importable this way: a reference such as "os:system" or
"sklearn.base:clone" names a module that lives elsewhere and is refused, even
when a file of that name also sits in the user-code directory (it would
shadow an imported module).

How the lookup stays inside the directory: the top-level package is searched
with ``importlib.machinery.PathFinder`` on that directory alone, each
submodule on its parent package's ``__path__`` (which must itself be inside the
directory), and every module file is resolved (symlinks included) and checked
to lie inside the directory *before* it is executed. While the user's module
runs, the directory is at the front of ``sys.path`` so that it can import its
own helper modules; it is removed again afterwards.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import inspect
import os
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from .errors import InvalidRequest

ENV_VAR = "DRIFTLOOP_USER_CODE"
FIELD = "estimator.code"

# The request schema checks this too; checked again here so that no string
# (a path, "..", a NUL byte) ever reaches the import machinery, whoever calls.
_REFERENCE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*")


def user_code_root() -> Path:
    value = os.environ.get(ENV_VAR)
    if not value:
        raise InvalidRequest(
            "user_code_unavailable",
            f"the request uses user code ({FIELD}) but {ENV_VAR} is not set; it must name the directory the "
            "user's modules are imported from (in the trainer image: mount it at /user-code)",
            field=FIELD,
        )
    root = Path(value).resolve()
    if not root.is_dir():
        raise InvalidRequest(
            "user_code_unavailable", f"{ENV_VAR}={value!r} is not a directory", field=FIELD
        )
    return root


def _inside(path: str | os.PathLike[str] | None, root: Path) -> bool:
    if not path:
        return False
    return Path(path).resolve().is_relative_to(root)


def _module_locations(module: ModuleType) -> list[str]:
    spec = getattr(module, "__spec__", None)
    locations = [getattr(module, "__file__", None)] + list(getattr(module, "__path__", []) or [])
    if spec is not None and spec.origin not in (None, "built-in", "frozen"):
        locations.append(spec.origin)
    return [p for p in locations if p]


def _spec_locations(spec: importlib.machinery.ModuleSpec) -> list[str]:
    locations = list(spec.submodule_search_locations or [])
    if spec.has_location and spec.origin:
        locations.append(spec.origin)
    return locations


def _outside(reference: str, name: str, where: str, root: Path) -> InvalidRequest:
    return InvalidRequest(
        "user_code_outside_directory",
        f'{FIELD} "{reference}": module "{name}" resolves to {where}, outside the user-code directory {str(root)!r}; '
        f"user code is only imported from {ENV_VAR}",
        field=FIELD,
    )


def _failed(reference: str, what: str, exc: BaseException) -> InvalidRequest:
    frames = traceback.format_exception(exc)
    return InvalidRequest(
        "user_code_failed",
        f'{FIELD} "{reference}": {what} raised {type(exc).__name__}: {exc}',
        field=FIELD,
        traceback="".join(frames[-6:]),
    )


def _import(reference: str, module_name: str, root: Path) -> ModuleType:
    importlib.invalidate_caches()
    parts = module_name.split(".")
    module: ModuleType | None = None
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        cached = sys.modules.get(name)
        if module is None:
            # The top level: only ever from the user-code directory, and
            # never under a name that is taken elsewhere.
            spec = importlib.machinery.PathFinder.find_spec(name, [str(root)])
            if cached is not None:
                locations = _module_locations(cached)
                inside = bool(locations) and all(_inside(p, root) for p in locations)
                elsewhere = None if inside else (", ".join(map(repr, locations)) or "a built-in module")
            else:
                elsewhere = _found_elsewhere(name, root)
            if elsewhere and spec is not None:
                # Registered under that name, the user's module would replace
                # the real one for everything imported after it.
                raise InvalidRequest(
                    "user_code_name_conflict",
                    f'{FIELD} "{reference}": module name "{name}" is already taken by {elsewhere}; '
                    "user code cannot shadow it (rename the user module or package)",
                    field=FIELD,
                )
            if elsewhere:
                raise _outside(reference, name, elsewhere, root)
        else:
            if cached is not None and not all(_inside(p, root) for p in _module_locations(cached)):
                raise _outside(reference, name, ", ".join(map(repr, _module_locations(cached))), root)
            search_path = list(getattr(module, "__path__", []) or [])
            if not search_path:
                raise InvalidRequest(
                    "user_code_not_found",
                    f'{FIELD} "{reference}": "{module.__name__}" is a module, not a package, so it has no '
                    f'"{parts[depth - 1]}"',
                    field=FIELD,
                )
            spec = None if cached is not None else importlib.machinery.PathFinder.find_spec(name, search_path)
        if cached is not None:
            module = cached
            continue
        if spec is None:
            raise InvalidRequest(
                "user_code_not_found",
                f'{FIELD} "{reference}": no module "{name}" in the user-code directory {str(root)!r} '
                f"(looked for {name.replace('.', '/')}.py or a package directory {name.replace('.', '/')}/)",
                field=FIELD,
            )
        locations = _spec_locations(spec)
        if not locations or not all(_inside(p, root) for p in locations):
            shown = ", ".join(repr(str(Path(p).resolve())) for p in locations)
            raise _outside(reference, name, shown or "an unknown location", root)
        module = _execute(reference, name, spec, root)
        if depth > 1:
            setattr(sys.modules[".".join(parts[: depth - 1])], parts[depth - 1], module)
    assert module is not None
    return module


def _found_elsewhere(name: str, root: Path) -> str | None:
    """Where a top-level module of this name is importable from outside the
    user-code directory (the standard library, site-packages), if anywhere."""
    if name in sys.builtin_module_names:
        return "a built-in module"
    others = [p for p in sys.path if Path(p or ".").resolve() != root]
    spec = importlib.machinery.PathFinder.find_spec(name, others)
    if spec is None or spec.origin is None:
        # A namespace package (a bare directory, e.g. in the working
        # directory) is no module a user's module would replace.
        return None
    return ", ".join(map(repr, _spec_locations(spec))) or "another location"


def _execute(reference: str, name: str, spec: importlib.machinery.ModuleSpec, root: Path) -> ModuleType:
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    entry = str(root)
    sys.path.insert(0, entry)
    try:
        assert spec.loader is not None
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        sys.modules.pop(name, None)
        raise
    except BaseException as exc:  # SystemExit too: the user's module must not end the trainer
        sys.modules.pop(name, None)
        raise _failed(reference, f'importing module "{name}"', exc) from exc
    finally:
        # Only our entry: the user's code may have edited sys.path itself.
        try:
            sys.path.remove(entry)
        except ValueError:
            pass
    return module


def load_function(reference: str) -> Callable[..., Any]:
    """The function a "module.path:function" reference names, from the user-code directory."""
    if not isinstance(reference, str) or not _REFERENCE.fullmatch(reference):
        raise InvalidRequest(
            "invalid_value",
            f'field "{FIELD}" must be "module.path:function" (Python identifiers separated by dots, a colon, '
            f"then the function name); got {reference!r}",
            field=FIELD,
        )
    root = user_code_root()
    module_name, _, function_name = reference.partition(":")
    module = _import(reference, module_name, root)
    function = getattr(module, function_name, None)
    if function is None:
        public = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        raise InvalidRequest(
            "user_code_not_found",
            f'{FIELD} "{reference}": module "{module_name}" ({module.__file__}) has no "{function_name}"; '
            f"callables it defines: {', '.join(public) or '(none)'}",
            field=FIELD,
        )
    if not callable(function):
        raise InvalidRequest(
            "user_code_not_found",
            f'{FIELD} "{reference}": "{function_name}" in module "{module_name}" is a {type(function).__name__}, '
            "not a function",
            field=FIELD,
        )
    return function


def accepted_arguments(function: Callable[..., Any]) -> set[str] | None:
    """The keyword arguments the function takes; None if it takes **kwargs (anything)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    names = set()
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return None
        if parameter.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
            names.add(parameter.name)
    return names


def call(reference: str, function: Callable[..., Any], params: dict[str, Any]) -> Any:
    try:
        return function(**params)
    except Exception as exc:  # whatever the user's code raises: retrying will not fix it
        raise _failed(reference, f"calling it with {params!r}", exc) from exc
