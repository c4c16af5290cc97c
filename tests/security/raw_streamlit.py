"""A Streamlit client without a browser: the websocket and its protobuf messages (BackMsg
up, ForwardMsg down), as a probe that skips the page's JavaScript would talk to the server.

Imported with `sys.path.insert` like the other test helpers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect


@dataclass
class Run:
    """What the server sent during one script run."""

    raw: list[bytes] = field(default_factory=list)
    messages: list[ForwardMsg] = field(default_factory=list)

    def contains(self, text: str) -> bool:
        needle = text.encode("utf-8")
        return any(needle in chunk for chunk in self.raw)


class RawSession:
    """One browser session, spoken to directly over `/_stcore/stream`."""

    def __init__(self, base_url: str, *, cookie: str | None = None, timeout: float = 60) -> None:
        ws_url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.timeout = timeout
        self.ws: ClientConnection = connect(
            ws_url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=base_url.rstrip("/"),  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie} if cookie else None,
            max_size=None,
            open_timeout=timeout,
        )
        self.session_id: str | None = None
        self.base_url = base_url

    def send(self, msg: BackMsg) -> None:
        self.ws.send(msg.SerializeToString())

    def rerun(self, query: str = "", *, page_name: str = "", locale: str = "en-US") -> Run:
        """Run the app's script as loading `/<page_name>?<query>` would; wait until it ends."""
        state = ClientState(
            query_string=query,
            page_name=page_name,
            context_info=ContextInfo(locale=locale, timezone="UTC", url=self.base_url),
        )
        self.send(BackMsg(rerun_script=state))
        return self.until_finished()

    def clear_cache(self) -> None:
        """What the page's "Clear cache" menu item sends."""
        self.send(BackMsg(clear_cache=True))

    def until_finished(self) -> Run:
        run = Run()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            data = self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            if isinstance(data, str):
                continue
            msg = ForwardMsg()
            msg.ParseFromString(data)
            run.raw.append(data)
            run.messages.append(msg)
            kind = msg.WhichOneof("type")
            if kind == "new_session" and msg.new_session.initialize.session_id:
                self.session_id = msg.new_session.initialize.session_id
            if kind == "script_finished":
                return run
        raise TimeoutError("the script run did not finish")

    def deferred_download(self, file_id: str) -> str:
        """Click a deferred download button: the URL the server built the file at."""
        request_id = f"probe-{file_id[:8]}"
        msg = BackMsg()
        msg.backend_operation_request.request_id = request_id
        msg.backend_operation_request.session_id = self.session_id or ""
        msg.backend_operation_request.deferred_file.file_id = file_id
        self.send(msg)
        answer = self.until_backend_answer(request_id)
        if answer.error_msg:
            raise RuntimeError(answer.error_msg)
        return answer.deferred_file.url

    def until_backend_answer(self, request_id: str):
        """The server's answer to a backend operation request."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            data = self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            if isinstance(data, str):
                continue
            msg = ForwardMsg()
            msg.ParseFromString(data)
            answer = msg.backend_operation_response
            if msg.WhichOneof("type") == "backend_operation_response" and (
                answer.request_id == request_id
            ):
                return answer
        raise TimeoutError("no answer to the backend operation")

    def close(self) -> None:
        self.ws.close()


def put(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """PUT with `Expect: 100-continue`: the body goes only if the server asks for it, as a
    careful client would; a server that refuses at the door answers without reading it."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.putrequest("PUT", parts.path)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            conn.putheader(name, value)
        conn.putheader("Expect", "100-continue")
        conn.endheaders()
        conn.sock.settimeout(60)
        head = conn.sock.recv(65536, 2)  # MSG_PEEK: look at the answer without taking it
        if head.startswith(b"HTTP/1.1 100"):
            conn.sock.recv(len(head.split(b"\r\n\r\n", 1)[0]) + 4)
            conn.send(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
