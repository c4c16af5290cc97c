"""Issue 14 against a running `streamlit run server.py`, spoken to the way the probe did:
raw websocket messages (Streamlit's protobuf BackMsg) and plain HTTP, no browser.

- item 4: an anonymous session's `clear_cache` message clears nothing;
- item 1: an anonymous upload over the answers-file limit is refused at the door (413,
  411 without a length), with the server's memory peak measured;
- item 10: the export page puts no file on /media; a click builds it, audited;
- item 13: security headers on every response, no page icon from another host.
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "app"))
sys.path.insert(0, str(ROOT / "tests" / "load"))
import helpers as lh  # noqa: E402
import staff_apphelpers as sh  # noqa: E402
from raw_streamlit import RawSession, put  # noqa: E402

from assessment.auth import COOKIE_NAME  # noqa: E402
from assessment.storage import make_engine, upgrade  # noqa: E402

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
FIGURES: dict[str, str] = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("probe")
    url = f"sqlite:///{folder / 'probe.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    repo = sh.repo(url)
    written = lh.write_assessment(repo, lh.enterprises(1, seed=61)[0], 2026)
    repo.add_user("staff1", "staff", sh.PASSWORD)
    server = lh.start_server(ROOT / "server.py", url, folder / "server.log")
    try:
        yield server, repo, written
    finally:
        server.close()
        if FIGURES:
            print("\nprobe figures:", FIGURES)


def http(url: str, *, method: str = "GET", data: bytes | None = None, headers=None):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


# --- item 4 -----------------------------------------------------------------------------------


def test_an_anonymous_clear_cache_message_clears_nothing(site):
    server, _, written = site
    session = RawSession(server.url)
    try:
        opened = session.rerun(f"resume={written.resume_code}")
        assert opened.contains(written.resume_code)  # the assessment is open in this session
        session.clear_cache()
        again = session.rerun("")
    finally:
        session.close()
    # Streamlit's handler also empties the sender's session state: it is still there, so
    # the message was ignored as a whole, process-wide caches included.
    assert again.contains(written.resume_code)
    assert f"clear_cache from browser session {session.session_id} refused" in server.output()


# --- item 13 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "_stcore/health", "staff-session"])
def test_every_response_carries_the_security_headers(site, path):
    server, _, _ = site
    _, headers, _ = http(server.url + path)
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_icon_is_served_by_the_app(site):
    server, _, _ = site
    session = RawSession(server.url)
    try:
        run = session.rerun("")
    finally:
        session.close()
    icons = [
        m.page_config_changed.favicon
        for m in run.messages
        if m.WhichOneof("type") == "page_config_changed" and m.page_config_changed.favicon
    ]
    assert icons, "the app sets a page icon"
    for icon in icons:
        assert not icon.startswith(("http://", "https://", "//")), icon
        assert icon.startswith("/media/") or icon.startswith("./media/")


# --- item 1 -----------------------------------------------------------------------------------


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="answers.json"\r\nContent-Type: application/json\r\n\r\n'
    ).encode()
    body = head + b"[" * 1 + b"1," * ((size - 2) // 2) + b"]" + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def xsrf_headers(server) -> dict[str, str]:
    """The XSRF cookie and header a page of this server sends with an upload (the page gets
    the cookie from the health check it makes on load)."""
    _, headers, _ = http(server.url + "_stcore/health")
    cookie = next(v for k, v in headers.items() if k.lower() == "set-cookie" and "xsrf" in v)
    pair = cookie.split(";", 1)[0]
    return {"Cookie": pair, "X-Xsrftoken": pair.split("=", 1)[1]}


def settle(server, seconds: float = 1.0, timeout: float = 30) -> None:
    """Wait until the server's memory stops moving (start-up work, the peer warm-up)."""
    deadline = time.monotonic() + timeout
    last = server.status("VmRSS")
    while time.monotonic() < deadline:
        time.sleep(seconds)
        now = server.status("VmRSS")
        if abs(now - last) < 256:  # kB
            return
        last = now


def test_an_anonymous_upload_over_the_limit_is_refused_at_the_door(site):
    server, _, _ = site
    session = RawSession(server.url)
    try:
        session.rerun("")
        target = f"{server.url}_stcore/upload_file/{session.session_id}/{uuid.uuid4().hex}"
        token = xsrf_headers(server)  # as the page would send it
        settle(server)
        Path(f"/proc/{server.proc.pid}/clear_refs").write_text("5")  # VmHWM from now on
        rss_before = server.status("VmRSS")
        peak_before = server.status("VmHWM")
        body, kind = _multipart(40 * MiB)  # the probe's 40 MB answers file
        status, _ = put(target, body, {"Content-Type": kind, **token})
        assert status == 413
        del body
        peak_after = server.status("VmHWM")
        # Under the limit it passes the door and Streamlit takes it.
        small, kind = _multipart(100_000)
        assert put(target, small, {"Content-Type": kind, **token})[0] == 204
    finally:
        session.close()
    grew = (peak_after - peak_before) / 1024
    FIGURES["40 MB anonymous upload: peak growth MiB"] = f"{grew:.1f} (RSS {rss_before / 1024:.0f})"
    assert grew < 8, f"the server's peak grew by {grew:.1f} MiB for a refused upload"


def test_an_upload_without_a_length_is_refused_unless_staff(site):
    server, repo, _ = site
    session = RawSession(server.url)
    try:
        session.rerun("")
        target = f"{server.url}_stcore/upload_file/{session.session_id}/{uuid.uuid4().hex}"

        def chunks():
            yield b"x" * 1000

        request = urllib.request.Request(target, data=chunks(), method="PUT")
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as err:
            assert err.code == 411
        else:
            raise AssertionError("a body of unknown length passed the door")
        # A staff session (the HttpOnly cookie) may upload up to Streamlit's 20 MiB limit.
        token = repo.authenticate("staff1", sh.PASSWORD).token
        body, kind = _multipart(3 * MiB)
        cookie = f"{COOKIE_NAME}={token}"
        status, text = put(target, body, {"Content-Type": kind, "Cookie": cookie})
        assert status == 403 and b"XSRF" in text  # past the door, at Streamlit's own check
        forged = f"{COOKIE_NAME}=not-a-session"
        assert put(target, body, {"Content-Type": kind, "Cookie": forged})[0] == 413
    finally:
        session.close()


# --- item 10 ----------------------------------------------------------------------------------


def _staff_session(server, repo) -> RawSession:
    token = repo.authenticate("staff1", sh.PASSWORD).token
    session = RawSession(server.url, cookie=f"{COOKIE_NAME}={token}")
    session.rerun("")  # the menu for a staff user
    return session


def _download_buttons(run) -> list:
    found = []
    for m in run.messages:
        if m.WhichOneof("type") != "delta" or m.delta.WhichOneof("type") != "new_element":
            continue
        element = m.delta.new_element
        if element.WhichOneof("type") == "download_button":
            found.append(element.download_button)
    return found


def test_the_export_page_leaves_nothing_on_media_and_a_click_is_audited(site):
    server, repo, _ = site
    session = _staff_session(server, repo)
    try:
        run = session.rerun("", page_name="staff-export")
        buttons = _download_buttons(run)
        assert len(buttons) == 2, "the XLSX and CSV buttons"
        assert all(not b.url for b in buttons), [b.url for b in buttons]
        assert all(b.deferred_file_id for b in buttons)
        # The click: the server builds the file now, and records who took it.
        url = session.deferred_download(buttons[1].deferred_file_id)
        status, _, body = http(server.url + url.lstrip("/"))
        assert status == 200 and b"profile.credit_code" in body
        # Streamlit drops a downloaded file at the second clean-up after it (each script
        # run ends with one): then the address answers 404.
        session.rerun("", page_name="staff-export")
        session.rerun("", page_name="staff-export")
        assert http(server.url + url.lstrip("/"))[0] == 404
    finally:
        session.close()
    entries = repo.audit_log(action="download")
    assert entries and entries[0].actor == "staff1" and entries[0].target_type == "export"
    assert entries[0].detail["kind"] == "csv"


def test_the_answers_download_leaves_nothing_on_media(site):
    server, repo, written = site
    session = RawSession(server.url)
    try:
        run = session.rerun(f"resume={written.resume_code}", page_name="results")
        buttons = _download_buttons(run)
        assert buttons and all(not b.url and b.deferred_file_id for b in buttons)
        url = session.deferred_download(buttons[-1].deferred_file_id)
        assert http(server.url + url.lstrip("/"))[0] == 200
    finally:
        session.close()
    assert repo.audit_log(action="download", target_type="answers")
