"""The providers' batch APIs, through their SDKs: OpenAI's Batch API and Anthropic's Message Batches.

A batch takes many requests at once, each with a ``custom_id``, and answers them within a day at about half
the price. Both kinds are driven the same way: :meth:`Batcher.submit`, :meth:`Batcher.status` while the
provider works, :meth:`Batcher.outcomes` once it has ended, :meth:`Batcher.cancel` on request. An outcome is
a completion (read as the single call's answer would be: a refusal or a cut-off answer is an error), a
request to send again (it expired, errored, was cancelled, or its batch failed; a run that cancelled it
itself leaves it to a resume).

The SDKs are imported where they are called: they take seconds to import, which a command that makes no
call should not wait for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import pydantic

from judge.errors import JudgeError
from judge.llm.providers import (
    AnthropicProvider,
    Completion,
    OpenAIProvider,
    Provider,
    ProviderError,
    RefusalError,
    Request,
    describe,
)

__all__ = ["BATCH_PROVIDERS", "BatchStatus", "Batcher", "Outcome", "batcher"]

BATCH_PROVIDERS = ("openai", "anthropic")
TOKEN = "judge_batch"  # the metadata key that names a batch's token (OpenAI)
CLOCK_SKEW = 300.0  # seconds: a batch made this much before its token was written down is still looked at
COMPLETION_WINDOW: Literal["24h"] = "24h"


@dataclass(frozen=True)
class BatchStatus:
    ended: bool
    state: str  # the provider's own word for it
    done: int  # requests it has finished, answered or not
    total: int
    failure: str | None = None  # the whole batch failed: why


@dataclass(frozen=True)
class Outcome:
    custom_id: str
    kind: Literal["answered", "again"]
    completion: Completion | None = None
    error: str | None = None  # answered without a judgment (a refusal, an answer cut off), or why it goes again
    refused: bool = False


class Batcher(Protocol):
    name: str

    async def submit(self, requests: Sequence[tuple[str, Request]], token: str) -> str: ...

    async def find(self, token: str, since: datetime, count: int, known: set[str]) -> str | None:
        """The id of a batch sent with ``token`` at ``since`` or later, holding ``count`` requests, that is none
        of ``known``; None when the provider has no such batch (it was never taken)."""

    async def status(self, batch_id: str) -> BatchStatus: ...

    async def outcomes(self, batch_id: str, requests: dict[str, Request]) -> list[Outcome]: ...

    async def cancel(self, batch_id: str) -> None: ...

    async def aclose(self) -> None: ...


def batcher(provider: Provider) -> Batcher:
    """The batch side of a provider: OpenAI's or Anthropic's (an OpenAI-compatible server has none)."""
    if isinstance(provider, AnthropicProvider):
        return AnthropicBatcher(provider)
    if isinstance(provider, OpenAIProvider) and provider.name == "openai":
        return OpenAIBatcher(provider)
    raise JudgeError(f"{provider.name} has no batch API: batch runs are for {' and '.join(BATCH_PROVIDERS)}")


def _answered(custom_id: str, read: Any, response: Any, request: Request) -> Outcome:
    try:
        return Outcome(custom_id, "answered", completion=read(response, request))
    except RefusalError as e:
        return Outcome(custom_id, "answered", error=str(e), refused=True)
    except ProviderError as e:
        return Outcome(custom_id, "answered", error=str(e))


class OpenAIBatcher:
    """OpenAI's Batch API: a JSON Lines file of chat completions uploaded, a batch made of it, output and error
    files read when it has ended."""

    name = "openai"

    def __init__(self, provider: OpenAIProvider) -> None:
        self.provider = provider

    async def submit(self, requests: Sequence[tuple[str, Request]], token: str) -> str:
        import openai

        lines = "".join(json.dumps({"custom_id": cid, "method": "POST", "url": "/v1/chat/completions",
                                    "body": self.provider.body(request)}) + "\n" for cid, request in requests)  # fmt: skip
        client = self.provider.client
        try:
            uploaded = await client.files.create(file=("judge-batch.jsonl", lines.encode()), purpose="batch")
            # never retried by the SDK: a create whose answer was lost may have made a batch, which a resume
            # finds by its token instead of paying for a second
            batch = await client.with_options(max_retries=0).batches.create(
                input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window=COMPLETION_WINDOW,
                metadata={TOKEN: token})  # fmt: skip
        except openai.APIError as e:
            raise ProviderError(f"openai: the batch was not taken: {describe(e)}") from e
        return batch.id

    async def find(self, token: str, since: datetime, count: int, known: set[str]) -> str | None:
        """By the token in the batch's metadata."""
        import openai

        oldest = since.replace(tzinfo=UTC).timestamp() - CLOCK_SKEW
        try:
            async for batch in self.provider.client.batches.list(limit=100):
                if (batch.metadata or {}).get(TOKEN) == token:
                    return batch.id
                if batch.created_at < oldest:  # newest first: the rest is older than the batch looked for
                    return None
        except openai.APIError as e:
            raise ProviderError(f"openai: the batches could not be listed: {describe(e)}") from e
        return None

    async def status(self, batch_id: str) -> BatchStatus:
        import openai

        try:
            batch = await self.provider.client.batches.retrieve(batch_id)
        except openai.APIError as e:
            raise ProviderError(f"openai: batch {batch_id}: {describe(e)}") from e
        counts = batch.request_counts
        done = (counts.completed + counts.failed) if counts else 0
        total = counts.total if counts else 0
        failure = None
        if batch.status == "failed":
            errors = batch.errors.data if batch.errors and batch.errors.data else []
            failure = "; ".join(f"{e.code}: {e.message}" for e in errors[:3]) or "the provider gave no reason"
        ended = batch.status in ("completed", "failed", "expired", "cancelled")
        return BatchStatus(ended, batch.status, done, total, failure)

    async def outcomes(self, batch_id: str, requests: dict[str, Request]) -> list[Outcome]:
        import openai

        client = self.provider.client
        try:
            batch = await client.batches.retrieve(batch_id)
            texts = [(await client.files.content(f)).text for f in (batch.output_file_id, batch.error_file_id) if f]
        except openai.APIError as e:
            raise ProviderError(f"openai: batch {batch_id}: {describe(e)}") from e
        found: dict[str, Outcome] = {}
        for text in texts:
            for line in text.splitlines():
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    custom_id = str(row["custom_id"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line that names no request of ours cannot be placed
                if custom_id not in requests:
                    continue
                found[custom_id] = self._outcome(custom_id, row, requests[custom_id])
        why = {"failed": "its batch failed", "expired": "its batch expired", "cancelled": "its batch was cancelled"}
        for custom_id in requests:  # in neither file: never run (a batch that failed, expired or was cancelled)
            if custom_id not in found:
                found[custom_id] = Outcome(custom_id, "again", error=why.get(batch.status, "not in the batch's results"))
        return list(found.values())

    def _outcome(self, custom_id: str, row: dict[str, Any], request: Request) -> Outcome:
        from openai.types.chat import ChatCompletion

        response, error = row.get("response"), row.get("error")
        if error:
            return Outcome(custom_id, "again", error=f"{error.get('code')}: {error.get('message')}")
        if not isinstance(response, dict) or response.get("status_code") != 200:
            status = response.get("status_code") if isinstance(response, dict) else None
            body = response.get("body") if isinstance(response, dict) else None
            message = (body or {}).get("error", {}).get("message") if isinstance(body, dict) else None
            return Outcome(custom_id, "again", error=f"HTTP {status}: {message or 'no answer'}")
        try:
            completion = ChatCompletion.model_validate(response.get("body"))
        except pydantic.ValidationError as e:
            return Outcome(custom_id, "answered", error=f"openai: the batch held a malformed response: {e}")
        return _answered(custom_id, self.provider.read, completion, request)

    async def cancel(self, batch_id: str) -> None:
        import openai

        try:
            await self.provider.client.batches.cancel(batch_id)
        except openai.APIError as e:
            raise ProviderError(f"openai: batch {batch_id} was not cancelled: {describe(e)}") from e

    async def aclose(self) -> None:
        await self.provider.aclose()


class AnthropicBatcher:
    """Anthropic's Message Batches: the requests sent in one call, results read as JSON Lines when it has ended."""

    name = "anthropic"

    def __init__(self, provider: AnthropicProvider) -> None:
        self.provider = provider

    async def submit(self, requests: Sequence[tuple[str, Request]], token: str) -> str:
        import anthropic

        items: list[Any] = [{"custom_id": cid, "params": self.provider.params(request)} for cid, request in requests]
        try:
            batch = await self.provider.client.with_options(max_retries=0).messages.batches.create(requests=items)
        except anthropic.APIError as e:
            raise ProviderError(f"anthropic: the batch was not taken: {describe(e)}") from e
        return batch.id

    async def find(self, token: str, since: datetime, count: int, known: set[str]) -> str | None:
        """Message Batches carry no metadata, and a batch's requests cannot be read until it ends: no batch can
        be told to be this run's, so none is taken for it (another run's answers would be stored as this
        one's). The requests go again; the narrow window between the provider taking a batch and its id being
        stored may then be paid twice."""
        return None

    async def status(self, batch_id: str) -> BatchStatus:
        import anthropic

        try:
            batch = await self.provider.client.messages.batches.retrieve(batch_id)
        except anthropic.APIError as e:
            raise ProviderError(f"anthropic: batch {batch_id}: {describe(e)}") from e
        c = batch.request_counts
        done = c.succeeded + c.errored + c.canceled + c.expired
        return BatchStatus(batch.processing_status == "ended", batch.processing_status, done, done + c.processing)

    async def outcomes(self, batch_id: str, requests: dict[str, Request]) -> list[Outcome]:
        import anthropic

        found: dict[str, Outcome] = {}
        try:
            async for item in await self.provider.client.messages.batches.results(batch_id):
                if item.custom_id not in requests:
                    continue
                result = item.result
                if result.type == "succeeded":
                    found[item.custom_id] = _answered(item.custom_id, self.provider.read, result.message,
                                                      requests[item.custom_id])  # fmt: skip
                elif result.type == "canceled":
                    found[item.custom_id] = Outcome(item.custom_id, "again", error="its batch was cancelled")
                else:
                    why = "expired" if result.type == "expired" else f"errored: {_error_text(result)}"
                    found[item.custom_id] = Outcome(item.custom_id, "again", error=why)
        except anthropic.APIError as e:
            raise ProviderError(f"anthropic: batch {batch_id}: {describe(e)}") from e
        except (ValueError, pydantic.ValidationError) as e:  # a line that is not the JSON the API promises
            unread = f"its results could not be read past a malformed line ({str(e)[:200]})"
            for custom_id in requests:
                found.setdefault(custom_id, Outcome(custom_id, "again", error=unread))
        for custom_id in requests:
            found.setdefault(custom_id, Outcome(custom_id, "again", error="not in the batch's results"))
        return list(found.values())

    async def cancel(self, batch_id: str) -> None:
        import anthropic

        try:
            await self.provider.client.messages.batches.cancel(batch_id)
        except anthropic.APIError as e:
            raise ProviderError(f"anthropic: batch {batch_id} was not cancelled: {describe(e)}") from e

    async def aclose(self) -> None:
        await self.provider.aclose()


def _error_text(result: Any) -> str:
    error = getattr(result, "error", None)
    inner = getattr(error, "error", None)
    return str(getattr(inner, "message", None) or getattr(error, "type", None) or "no reason given")
