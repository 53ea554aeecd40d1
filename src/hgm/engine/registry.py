"""Executors by name, imported only when chosen: a distributed backend's heavy dependency
(Ray) is needed only by runs that ask for it."""

from __future__ import annotations

import importlib
from types import ModuleType

from hgm.errors import UserError

# kind -> (module that builds it, the pip extra and the top-level module it needs)
BACKENDS = {"ray": ("hgm.distributed.setup", "ray", "ray")}


def executor_backend(kind: str) -> ModuleType:
    """The module that builds executors of `kind`; a UserError saying how to install what
    it needs when that is missing."""
    if kind not in BACKENDS:
        known = ", ".join(sorted(BACKENDS))
        raise UserError(f"[executor] kind {kind!r} is not a distributed backend; known: {known}")
    module, extra, needs = BACKENDS[kind]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name is None or error.name.split(".")[0] != needs:
            raise
        raise UserError(
            f'[executor] kind = "{kind}" needs {needs}, which is not installed: '
            f"pip install 'huxley-godel-machine[{extra}]'"
        ) from None
