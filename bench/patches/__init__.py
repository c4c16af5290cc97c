"""Proposed fixes, as unified diffs against the library, and a loader to time them.

Each `*.patch` here is a fix a benchmark found; the benchmark times the shipped code and,
while the patch is still pending, the patched copy side by side (`patched_module`). Once
the coordinator applies a patch, `patched_module` reports it as applied and the shipped
figure is the fixed one.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def patched_module(patch: str, target: str, name: str) -> ModuleType | str:
    """`target` (a repository path) with `patch` applied, imported as module `name`.

    Returns a string instead when the patch cannot be timed: "applied" when the shipped
    file already contains it, otherwise why it does not apply.
    """
    patch_path = HERE / patch
    source = ROOT / target
    if shutil.which("patch") is None:
        return "the `patch` program is not installed"
    work = Path(tempfile.mkdtemp(prefix="bench-patch-"))
    copy = work / source.name
    shutil.copyfile(source, copy)

    def run(*args: str) -> bool:
        done = subprocess.run(
            ["patch", "--silent", "--force", *args, str(copy), str(patch_path)],
            capture_output=True,
            text=True,
        )
        return done.returncode == 0

    if not run("--dry-run"):
        return "applied" if run("--dry-run", "--reverse") else "does not apply to the shipped file"
    run()
    spec = importlib.util.spec_from_file_location(name, copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module
