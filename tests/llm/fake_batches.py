"""The batch APIs of the local fake provider: OpenAI's Batch API (files, batches, output and error files) and
Anthropic's Message Batches (create, retrieve, results as JSON Lines, cancel), spoken on the wire so the real
SDK code runs.

A batch is worked through in ``seconds_per_request`` each; its state follows the clock on every retrieve.
Each request is answered by the server's ``behave``, like a single call. Faults, by a marker in a request:

- ``CASE:batch-error`` errors (every time), ``CASE:batch-error-once`` errors on its first batch only;
- ``CASE:batch-expire`` expires (every time), ``CASE:batch-expire-once`` on its first batch only;
- ``CASE:batch-fail`` fails the whole batch (OpenAI: status ``failed``; Anthropic has no such state, every
  request of the batch errors), ``CASE:batch-fail-once`` on its first batch only.

A cancel stops the work where it is: requests done are in the results, the others are cancelled.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.llm.fake_server import FakeProviderServer

CREATED = 1_765_000_000  # the files' creation time (nothing reads it)


@dataclass
class Batch:
    id: str
    kind: str  # "openai" | "anthropic"
    requests: list[tuple[str, dict[str, Any]]]  # (custom_id, body)
    started: float
    seconds_per_request: float
    created: float = field(default_factory=time.time)  # wall-clock seconds, as the providers report it
    metadata: dict[str, str] | None = None
    cancelled_at: float | None = None
    outcomes: dict[str, tuple[str, Any]] = field(default_factory=dict)  # custom_id -> (kind, payload), when done
    failed: bool = False

    def done_count(self, now: float) -> int:
        stop = self.cancelled_at if self.cancelled_at is not None else now
        if self.seconds_per_request <= 0:
            return len(self.requests)
        return min(len(self.requests), int((stop - self.started) / self.seconds_per_request))

    def ended(self, now: float) -> bool:
        return self.cancelled_at is not None or self.failed or self.done_count(now) >= len(self.requests)


class FakeBatches:
    """The batch endpoints of ``server`` (their routes are added to its app)."""

    def __init__(self, server: FakeProviderServer, app: web.Application, seconds_per_request: float = 0.0) -> None:
        self.server = server
        self.seconds_per_request = seconds_per_request
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, Batch] = {}
        self.tries: Counter[str] = Counter()  # batch attempts of each request, by its messages
        self.cancels: list[str] = []
        self.downloads = 0  # output and error files and result lists read
        self._ids = itertools.count(1)
        app.router.add_post("/v1/files", self._upload)
        app.router.add_get("/v1/files/{id}/content", self._file_content)
        app.router.add_post("/v1/batches", self._openai_create)
        app.router.add_get("/v1/batches", self._openai_list)
        app.router.add_get("/v1/batches/{id}", self._openai_retrieve)
        app.router.add_post("/v1/batches/{id}/cancel", self._openai_cancel)
        app.router.add_post("/v1/messages/batches", self._anthropic_create)
        app.router.add_get("/v1/messages/batches", self._anthropic_list)
        app.router.add_get("/v1/messages/batches/{id}", self._anthropic_retrieve)
        app.router.add_post("/v1/messages/batches/{id}/cancel", self._anthropic_cancel)
        app.router.add_get("/v1/messages/batches/{id}/results", self._anthropic_results)

    # the work

    def _new(self, kind: str, requests: list[tuple[str, dict[str, Any]]]) -> Batch:
        prefix = "batch_" if kind == "openai" else "msgbatch_"
        batch = Batch(f"{prefix}{next(self._ids):06d}", kind, requests, time.monotonic(), self.seconds_per_request)
        with self.server.lock:
            for _, body in requests:
                self.tries[json.dumps(body.get("messages"), sort_keys=True)] += 1
            batch.failed = any(self._fault(body) in ("batch-fail", "batch-fail-once") for _, body in requests)
        self.batches[batch.id] = batch
        return batch

    def _fault(self, body: dict[str, Any]) -> str | None:
        """The batch fault a request carries, if it applies on this try."""
        found = re.search(r"CASE:(batch-[a-z-]+)", json.dumps(body))
        if found is None:
            return None
        case = found.group(1)
        if case.endswith("-once") and self.tries[json.dumps(body.get("messages"), sort_keys=True)] > 1:
            return None
        return case

    def _settle(self, batch: Batch) -> None:
        """Answer the requests done by now (each once, as the single-call API would)."""
        from tests.llm.fake_server import _anthropic, _openai

        now = time.monotonic()
        done = len(batch.requests) if batch.failed else batch.done_count(now)
        for custom_id, body in batch.requests[:done]:
            if custom_id in batch.outcomes:
                continue
            fault = self._fault(body)
            if batch.failed:
                batch.outcomes[custom_id] = ("errored", "the batch failed")
            elif fault in ("batch-error", "batch-error-once"):
                batch.outcomes[custom_id] = ("errored", "scripted server error")
            elif fault in ("batch-expire", "batch-expire-once"):
                batch.outcomes[custom_id] = ("expired", None)
            else:
                with self.server.lock:
                    self.server.received.append(("batch", body, now))
                reply = self.server.behave(body, 1)
                made = _openai(body, reply) if batch.kind == "openai" else _anthropic(body, reply)
                batch.outcomes[custom_id] = ("succeeded", made)

    # OpenAI

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField) or form.get("purpose") != "batch":
            return web.json_response({"error": {"message": "a batch file is required"}}, status=400)
        file_id = f"file-{next(self._ids):06d}"
        self.files[file_id] = upload.file.read()
        return web.json_response({"id": file_id, "object": "file", "bytes": len(self.files[file_id]),
                                  "created_at": CREATED, "filename": upload.filename, "purpose": "batch",
                                  "status": "processed"})  # fmt: skip

    async def _openai_create(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = self.files.get(body.get("input_file_id", ""))
        if text is None or body.get("endpoint") != "/v1/chat/completions":
            return web.json_response({"error": {"message": "no such input file or endpoint"}}, status=400)
        lines = [json.loads(line) for line in text.decode().splitlines() if line.strip()]
        ids = [line["custom_id"] for line in lines]
        if len(set(ids)) != len(ids):
            return web.json_response({"error": {"message": "custom_id values must be unique"}}, status=400)
        batch = self._new("openai", [(line["custom_id"], line["body"]) for line in lines])
        batch.metadata = body.get("metadata")
        batch_input = body["input_file_id"]
        self.files[f"{batch.id}-input"] = text
        return web.json_response(self._openai_object(batch, batch_input))

    def _openai_object(self, batch: Batch, input_file: str = "") -> dict[str, Any]:
        now = time.monotonic()
        self._settle(batch)
        total = len(batch.requests)
        ok = sum(1 for kind, _ in batch.outcomes.values() if kind == "succeeded")
        bad = len(batch.outcomes) - ok
        if batch.failed:
            status = "failed"
        elif batch.cancelled_at is not None:
            status = "cancelled" if now - batch.cancelled_at > 0.01 else "cancelling"
        elif not batch.ended(now):
            status = "in_progress"
        elif any(kind == "expired" for kind, _ in batch.outcomes.values()):
            status = "expired"
        else:
            status = "completed"
        final = status in ("completed", "expired", "cancelled")
        output = error = None
        if final:
            output = f"{batch.id}-output" if ok else None
            error = f"{batch.id}-errors" if bad else None
            self._write_openai_files(batch)
        errors = {"object": "list", "data": [{"code": "invalid_request", "message": "scripted batch failure",
                                              "line": 1, "param": None}]} if batch.failed else None  # fmt: skip
        return {"id": batch.id, "object": "batch", "endpoint": "/v1/chat/completions", "errors": errors,
                "input_file_id": input_file or f"{batch.id}-input", "completion_window": "24h", "status": status,
                "output_file_id": output, "error_file_id": error, "created_at": int(batch.created),
                "request_counts": {"total": total, "completed": ok, "failed": bad}, "metadata": batch.metadata}  # fmt: skip

    async def _openai_list(self, request: web.Request) -> web.Response:
        data = [self._openai_object(b) for b in reversed(self.batches.values()) if b.kind == "openai"]
        return web.json_response({"object": "list", "data": data, "has_more": False,
                                  "first_id": data[0]["id"] if data else None,
                                  "last_id": data[-1]["id"] if data else None})  # fmt: skip

    def _write_openai_files(self, batch: Batch) -> None:
        out, err = [], []
        for custom_id, (kind, payload) in batch.outcomes.items():
            request_id = f"req_{custom_id}"
            if kind == "succeeded":
                out.append({"id": f"batch_req_{custom_id}", "custom_id": custom_id, "error": None,
                            "response": {"status_code": 200, "request_id": request_id, "body": payload}})  # fmt: skip
            elif kind == "expired":
                err.append({"id": f"batch_req_{custom_id}", "custom_id": custom_id, "response": None,
                            "error": {"code": "batch_expired", "message": "This request could not be executed "
                                      "before the completion window expired."}})  # fmt: skip
            else:
                err.append({"id": f"batch_req_{custom_id}", "custom_id": custom_id, "error": None,
                            "response": {"status_code": 500, "request_id": request_id,
                                         "body": {"error": {"message": payload, "type": "server_error"}}}})  # fmt: skip
        self.files[f"{batch.id}-output"] = "".join(json.dumps(line) + "\n" for line in out).encode()
        self.files[f"{batch.id}-errors"] = "".join(json.dumps(line) + "\n" for line in err).encode()

    async def _openai_retrieve(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["id"])
        if batch is None:
            return web.json_response({"error": {"message": "no such batch"}}, status=404)
        return web.json_response(self._openai_object(batch))

    async def _openai_cancel(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["id"])
        if batch is None:
            return web.json_response({"error": {"message": "no such batch"}}, status=404)
        self._cancel(batch)
        return web.json_response(self._openai_object(batch))

    async def _file_content(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["id"])
        if content is None:
            return web.json_response({"error": {"message": "no such file"}}, status=404)
        self.downloads += 1
        return web.Response(body=content, content_type="application/octet-stream")

    def _cancel(self, batch: Batch) -> None:
        self.cancels.append(batch.id)
        if batch.cancelled_at is None and not batch.ended(time.monotonic()):
            self._settle(batch)
            batch.cancelled_at = time.monotonic()

    # Anthropic

    async def _anthropic_create(self, request: web.Request) -> web.Response:
        body = await request.json()
        items = body.get("requests") or []
        ids = [item["custom_id"] for item in items]
        if not items or len(set(ids)) != len(ids):
            return web.json_response({"type": "error", "error": {"type": "invalid_request_error",
                                                                 "message": "custom_id values must be unique"}},
                                     status=400)  # fmt: skip
        batch = self._new("anthropic", [(item["custom_id"], item["params"]) for item in items])
        return web.json_response(self._anthropic_object(batch, request))

    def _anthropic_object(self, batch: Batch, request: web.Request) -> dict[str, Any]:
        now = time.monotonic()
        self._settle(batch)
        total = len(batch.requests)
        kinds = Counter(kind for kind, _ in batch.outcomes.values())
        ended = batch.failed or batch.ended(now)
        if batch.cancelled_at is not None and now - batch.cancelled_at <= 0.01:
            status, ended = "canceling", False
        else:
            status = "ended" if ended else "in_progress"
        canceled = total - len(batch.outcomes) if ended else 0
        return {"id": batch.id, "type": "message_batch", "processing_status": status,
                "request_counts": {"processing": 0 if ended else total - len(batch.outcomes),
                                   "succeeded": kinds["succeeded"], "errored": kinds["errored"],
                                   "canceled": canceled, "expired": kinds["expired"]},
                "created_at": datetime.fromtimestamp(batch.created, UTC).isoformat(),
                "expires_at": datetime.fromtimestamp(batch.created + 86400, UTC).isoformat(),
                "ended_at": "2026-12-07T01:00:00Z" if ended else None, "archived_at": None,
                "cancel_initiated_at": "2026-12-07T00:30:00Z" if batch.cancelled_at is not None else None,
                "results_url": f"{request.url.origin()}/v1/messages/batches/{batch.id}/results" if ended else None}  # fmt: skip

    async def _anthropic_list(self, request: web.Request) -> web.Response:
        data = [self._anthropic_object(b, request) for b in reversed(self.batches.values()) if b.kind == "anthropic"]
        return web.json_response({"data": data, "has_more": False, "first_id": data[0]["id"] if data else None,
                                  "last_id": data[-1]["id"] if data else None})  # fmt: skip

    async def _anthropic_retrieve(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["id"])
        if batch is None:
            return web.json_response({"type": "error", "error": {"type": "not_found_error", "message": "no batch"}},
                                     status=404)  # fmt: skip
        return web.json_response(self._anthropic_object(batch, request))

    async def _anthropic_cancel(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["id"])
        if batch is None:
            return web.json_response({"type": "error", "error": {"type": "not_found_error", "message": "no batch"}},
                                     status=404)  # fmt: skip
        self._cancel(batch)
        return web.json_response(self._anthropic_object(batch, request))

    async def _anthropic_results(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["id"])
        if batch is None or not (batch.failed or batch.ended(time.monotonic())):
            return web.json_response({"type": "error", "error": {"type": "not_found_error", "message": "not ended"}},
                                     status=404)  # fmt: skip
        self._settle(batch)
        self.downloads += 1
        lines = []
        for custom_id, _ in batch.requests:
            kind, payload = batch.outcomes.get(custom_id, ("canceled", None))
            result: dict[str, Any] = {"type": kind}
            if kind == "succeeded":
                result["message"] = payload
            elif kind == "errored":
                result["error"] = {"type": "error", "error": {"type": "api_error", "message": payload}}
            lines.append({"custom_id": custom_id, "result": result})
        return web.Response(body="".join(json.dumps(line) + "\n" for line in lines).encode(),
                            content_type="application/binary")  # fmt: skip
