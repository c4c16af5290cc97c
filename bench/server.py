"""A `streamlit run` process on a free local port, and headless Chromium through Playwright.

The one copy of both for the benchmarks and the browser tests (tests/e2e, tests/load,
tests/security), which put the repository root on sys.path to import it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Streamlit:
    """`streamlit run script`, answering on `url` once constructed; stopped by close().

    `env` is laid over this process's environment; a None value removes that variable.
    The server's output is appended to `log`, or dropped when there is none.
    """

    def __init__(
        self,
        script: Path,
        env: Mapping[str, str | None] | None = None,
        *,
        log: Path | None = None,
        timeout: float = 120,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        environ = dict(os.environ)
        for name, value in (env or {}).items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
        # The child keeps its own handle on the file; ours can close at once.
        with open(log if log is not None else os.devnull, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(script),
                 "--server.port", str(self.port), "--server.address", "127.0.0.1",
                 "--server.headless", "true", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none"],
                cwd=ROOT,
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._wait(timeout)

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {self.proc.returncode}: {self.output()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.close()
        raise TimeoutError(f"streamlit did not answer on {self.url} within {timeout} s")

    def output(self) -> str:
        """What the server has written to its log so far ('' without a log)."""
        if self.log is None:
            return ""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def status(self, field: str) -> int:
        """A kB figure (VmHWM, VmRSS) of the server process from /proc/<pid>/status."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise KeyError(field)

    def close(self) -> None:
        """Stop the server process (by its own pid); a second call does nothing."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Streamlit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def browser(playwright):
    """Headless Chromium from the system (never a downloaded build)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def settled(page, timeout: float = 120_000) -> None:
    """Wait until the Streamlit app in `page` has finished its script run."""
    page.wait_for_selector(
        '.stApp[data-test-script-state="notRunning"]', state="attached", timeout=timeout
    )
