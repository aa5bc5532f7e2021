"""A local HTTP server on 127.0.0.1 that speaks the OpenAI and Anthropic wire formats.

The real SDKs talk to it, so their request building, retries, Retry-After
handling, timeouts and response parsing all run. What it answers is decided
per request by ``behave`` from the request body, which tests set; by default
a marker ``CASE:<name>`` in the prompt picks one of the scripted faults.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    text: str | None = None  # the answer the model gives (None with status 200: a refusal)
    raw: bytes | None = None  # a body sent as is (malformed responses)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    stop: str = "stop"


def answer(score: Any, reasoning: str = "the windows differ") -> str:
    return json.dumps({"reasoning": reasoning, "score": score})


def scripted(body: dict[str, Any], attempt: int) -> Reply:
    """Faults chosen by a ``CASE:name`` marker in the prompt; ``attempt`` counts tries of the same prompt."""
    prompt = json.dumps(body)
    marker = re.search(r"CASE:([a-z0-9-]+)", prompt)
    case = marker.group(1) if marker else "ok"
    if case == "slow":
        return Reply(text=answer(4), delay=0.3)
    if case == "rate-limited" and attempt == 1:
        return Reply(429, headers={"retry-after": "1"})
    if case == "server-error" and attempt == 1:
        return Reply(500)
    if case == "timeout-once" and attempt == 1:
        return Reply(text=answer(3), delay=3.0)
    if case == "timeout-always":
        return Reply(text=answer(3), delay=3.0)
    if case == "truncated":
        return Reply(text='{"reasoning": "the generated definition keeps the ev')
    if case == "malformed":
        return Reply(raw=b'{"id": "x", "choices": [ {"message": ')
    if case == "off-scale":
        return Reply(text=answer(6))
    if case == "refusal":
        return Reply(text=None)
    if case == "plain-text":
        return Reply(text="The generated audience misses the window.\nScore: 2")
    return Reply(text=answer(5 if "identical" in prompt else 4))


class FakeProviderServer:
    def __init__(self, behave: Callable[[dict[str, Any], int], Reply] = scripted) -> None:
        self.behave = behave
        self.received: list[tuple[str, dict[str, Any], float]] = []
        self.attempts: Counter[str] = Counter()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                key = json.dumps(body.get("messages"), sort_keys=True)
                with server.lock:
                    server.received.append((self.path, body, time.monotonic()))
                    server.attempts[key] += 1
                    attempt = server.attempts[key]
                reply = server.behave(body, attempt)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.raw if reply.raw is not None else json.dumps(
                    _anthropic(body, reply) if self.path.endswith("/messages") else _openai(body, reply)
                ).encode()  # fmt: skip
                if reply.status != 200 and reply.raw is None:
                    payload = json.dumps({"error": {"type": "error", "message": f"scripted {reply.status}"}}).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeProviderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _openai(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
    if reply.text is None:
        message["refusal"] = "I can't help with grading this."
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
        "choices": [{"index": 0, "message": message, "finish_reason": reply.stop, "logprobs": None}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
    }  # fmt: skip


def _anthropic(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    if reply.text is None:
        content: list[dict[str, Any]] = []
        stop = "refusal"
    else:
        try:
            data = json.loads(reply.text)
            content = [{"type": "tool_use", "id": "toolu_fake", "name": "record_judgment", "input": data}]
            stop = "tool_use"
        except json.JSONDecodeError:
            content = [{"type": "text", "text": reply.text}]
            stop = "end_turn"
    return {
        "id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model", "m"),
        "content": content, "stop_reason": stop, "stop_sequence": None,
        "usage": {"input_tokens": 120, "output_tokens": 30},
    }  # fmt: skip


def main() -> None:
    """Serve answers after a fixed delay until killed: ``python -m tests.llm.fake_server SECONDS``."""
    import sys

    delay = float(sys.argv[1]) if len(sys.argv) > 1 else 0.2
    server = FakeProviderServer(lambda body, attempt: Reply(text=answer(4), delay=delay))
    server.httpd.request_queue_size = 256
    print(server.url, flush=True)
    server.httpd.serve_forever()


if __name__ == "__main__":
    main()
