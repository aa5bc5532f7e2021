"""Providers: one small interface over the official OpenAI and Anthropic SDKs.

A provider takes a rendered prompt and returns the completion text with its
token counts, or raises :class:`ProviderError`. Retries (429 with
Retry-After, 5xx, timeouts) are the SDKs' own, set by ``max_retries`` and
``timeout``; every attempt goes out when the provider's :class:`~judge.llm.pace.Pace`
says (its rate-limit headers, its 429s). Keys come from the environment (or Streamlit secrets, passed in
as ``keys``); a missing key names the variable to set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from judge.errors import JudgeError
from judge.llm.pace import Pace, PacedTransport
from judge.llm.prompts import Answer, Rendered

if TYPE_CHECKING:  # the SDKs take seconds to import: a command that makes no call does not wait for them
    import anthropic
    import httpx2
    import openai
    from openai.types.chat import ChatCompletion

__all__ = [
    "KEY_VARIABLES",
    "PROVIDERS",
    "AnthropicProvider",
    "Completion",
    "OpenAIProvider",
    "Provider",
    "ProviderError",
    "RefusalError",
    "endpoint",
    "Request",
    "make_provider",
]

PROVIDERS = ("openai", "anthropic", "openai-compatible")
Client = TypeVar("Client", "openai.AsyncOpenAI", "anthropic.AsyncAnthropic")
KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY",
                 "openai-compatible": "OPENAI_COMPATIBLE_API_KEY"}  # fmt: skip
DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRIES = 4
TOOL = "record_judgment"


class ProviderError(JudgeError):
    """A call that failed after the SDK's retries, or an answer the model refused to give."""


class RefusalError(ProviderError):
    """The model declined to answer (OpenAI's ``refusal``, Anthropic's ``stop_reason`` "refusal")."""


@dataclass(frozen=True)
class Request:
    model: str
    prompt: Rendered
    answer: Answer
    temperature: float = 0.0
    max_tokens: int = 1024


@dataclass(frozen=True)
class Completion:
    text: str
    input_tokens: int | None
    output_tokens: int | None


class Provider(Protocol):
    name: str
    pace: Pace | None  # how fast its calls go out (None: as fast as the caller sends them)

    async def complete(self, request: Request) -> Completion: ...

    async def aclose(self) -> None:
        """Close connections opened in the running event loop (a run calls it before its loop ends)."""


def answer_schema(answer: str) -> dict[str, Any]:
    """The JSON object a template's answer is: a judgment, a request, or a definition."""
    # a whole score; which points the dataset's scale has is said in the prompt and checked on the answer
    properties: dict[str, Any] = {"score": {"type": "integer", "minimum": 0, "maximum": 10}}
    if answer == "reasoning_then_score":
        properties = {"reasoning": {"type": "string"}, **properties}
    elif answer == "question":
        properties = {"request": {"type": "string"}}
    elif answer == "audience":  # the text form; the AST model validates it, not the schema
        properties = {"definition": {"type": "string"}}
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}  # fmt: skip


TOOLS = {"question": "record_request", "audience": "record_definition"}  # judgments: record_judgment


class _Connected(Generic[Client]):
    """Holds an SDK client made on first use in the running event loop (its connections belong to it)."""

    def __init__(self, connect: Callable[[], Client], pace: Pace | None = None) -> None:
        self.connect: Callable[[], Client] = connect
        self.pace = pace
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = self.connect()
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


class OpenAIProvider(_Connected["openai.AsyncOpenAI"]):
    """OpenAI, with a JSON-schema response format; or an OpenAI-compatible server (``structured=False``)."""

    def __init__(self, connect: Callable[[], openai.AsyncOpenAI], *, structured: bool = True, name: str = "openai",
                 pace: Pace | None = None) -> None:  # fmt: skip
        super().__init__(connect, pace)
        self.structured, self.name = structured, name

    def body(self, request: Request) -> dict[str, Any]:
        """The JSON body of a chat completion (sent alone, or as one line of a batch)."""
        body: dict[str, Any] = {
            "model": request.model, "temperature": request.temperature, "max_tokens": request.max_tokens,
            "messages": [{"role": "system", "content": request.prompt.system},
                         {"role": "user", "content": request.prompt.user}],
        }  # fmt: skip
        if self.structured:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": TOOLS.get(request.answer, TOOL).removeprefix("record_"),
                    "strict": True,
                    "schema": answer_schema(request.answer),
                },
            }
        return body

    async def complete(self, request: Request) -> Completion:
        import openai
        from openai.types.chat import ChatCompletion

        body = self.body(request)
        try:
            # The body is already the plain JSON the API takes, so it goes through the client's generic post
            # (documented for any endpoint: the same retries, Retry-After, timeouts, errors and typed
            # response) rather than create(), whose conversion of its typed parameters costs a fifth of a
            # call's CPU - the limit on judgments per second against a fast local server.
            response = await self.client.post("/chat/completions", cast_to=ChatCompletion, body=body)
        except openai.APIError as e:
            raise ProviderError(f"{self.name}: {describe(e)}") from e
        except ValueError as e:  # a body that is not the JSON the API promises
            raise ProviderError(f"{self.name}: the server sent a malformed response: {e}") from e
        return self.read(response, request)

    def read(self, response: ChatCompletion, request: Request) -> Completion:
        """The completion of a response, or why it is not one (a refusal, an answer cut off)."""
        if not response.choices:
            raise ProviderError(f"{self.name}: the response has no choices")
        choice = response.choices[0]
        refusal = getattr(choice.message, "refusal", None)
        if refusal:
            raise RefusalError(f"{self.name}: the model refused: {refusal}")
        text = choice.message.content or ""
        if choice.finish_reason == "length":
            raise ProviderError(
                f"{self.name}: the answer was cut off at max_tokens ({request.max_tokens}): {text}"
            )
        usage = response.usage
        return Completion(
            text, usage.prompt_tokens if usage else None, usage.completion_tokens if usage else None
        )


class AnthropicProvider(_Connected["anthropic.AsyncAnthropic"]):
    """Anthropic, answering through a forced tool call whose input is the judgment.

    The pinned SDK's ``messages.create`` takes no ``temperature``: the model's own sampling applies.
    """

    name = "anthropic"

    def params(self, request: Request) -> dict[str, Any]:
        """The parameters of a message (sent alone, or as one request of a batch)."""
        tool = TOOLS.get(request.answer, TOOL)
        return {
            "model": request.model, "max_tokens": request.max_tokens, "system": request.prompt.system,
            "messages": [{"role": "user", "content": request.prompt.user}],
            "tools": [{"name": tool, "description": f"Record the {tool.removeprefix('record_')}.",
                       "input_schema": answer_schema(request.answer)}],
            "tool_choice": {"type": "tool", "name": tool},
        }  # fmt: skip

    async def complete(self, request: Request) -> Completion:
        import anthropic

        try:
            response = await self.client.messages.create(**self.params(request))
        except anthropic.APIError as e:
            raise ProviderError(f"anthropic: {describe(e)}") from e
        except ValueError as e:  # a body that is not the JSON the API promises
            raise ProviderError(f"anthropic: the server sent a malformed response: {e}") from e
        return self.read(response, request)

    def read(self, response: anthropic.types.Message, request: Request) -> Completion:
        """The completion of a message, or why it is not one (a refusal, an answer cut off)."""
        tool = TOOLS.get(request.answer, TOOL)
        if response.stop_reason == "refusal":
            raise RefusalError("anthropic: the model refused to answer")
        if response.stop_reason == "max_tokens":
            raise ProviderError(f"anthropic: the answer was cut off at max_tokens ({request.max_tokens})")
        used = [b for b in response.content if b.type == "tool_use" and b.name == tool]
        text = (
            json.dumps(used[0].input) if used else "".join(getattr(b, "text", "") for b in response.content)
        )
        usage = response.usage
        return Completion(text, usage.input_tokens, usage.output_tokens)


def describe(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    kind = type(error).__name__
    message = str(error).splitlines()[0][:300] if str(error) else kind
    return f"{kind} (HTTP {status}): {message}" if status else f"{kind}: {message}"


def endpoint(provider: str, base_url: str | None, env: Mapping[str, str] | None = None) -> str:
    """The server a provider's calls go to: ``base_url``, else the SDK's own variable (``OPENAI_BASE_URL``,
    ``ANTHROPIC_BASE_URL``), else its default. Part of the answer cache's key: another server, another answer."""
    if base_url:
        return base_url.rstrip("/")
    source = os.environ if env is None else env
    if provider == "anthropic":
        return (source.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com").rstrip("/")
    return (source.get("OPENAI_BASE_URL") or "https://api.openai.com/v1").rstrip("/")


def _http_client(sdk_client: type[httpx2.AsyncClient], pace: Pace | None) -> httpx2.AsyncClient:
    """The SDK's aiohttp-based HTTP client, its transports (direct and through a proxy) paced by ``pace``."""
    if pace is None:
        return sdk_client()
    paced_by: Pace = pace

    class Paced(sdk_client):  # type: ignore[misc,valid-type]  # the SDK's client class, known at run time
        def _init_transport(self, *args: Any, **kwargs: Any) -> httpx2.AsyncBaseTransport:
            return PacedTransport(super()._init_transport(*args, **kwargs), paced_by)

        def _init_proxy_transport(self, *args: Any, **kwargs: Any) -> httpx2.AsyncBaseTransport:
            return PacedTransport(super()._init_proxy_transport(*args, **kwargs), paced_by)

    return Paced()


def make_provider(
    provider: str,
    *,
    base_url: str | None = None,
    keys: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_RETRIES,
    paced: bool = True,
) -> Provider:
    """A provider with its SDK client; the key from ``keys`` (default: the environment). ``paced``: its calls
    follow the provider's rate limits (a :class:`Pace`, whose maximum in flight the caller sets); without it
    they go out as fast as they are made."""
    if provider not in PROVIDERS:
        raise JudgeError(f"unknown provider {provider!r}; choose one of {', '.join(PROVIDERS)}")
    source = os.environ if keys is None else keys
    variable = KEY_VARIABLES[provider]
    key = source.get(variable)
    pace = Pace() if paced else None
    if provider == "openai-compatible":
        if not base_url:
            raise JudgeError("an OpenAI-compatible server needs --base-url (e.g. http://127.0.0.1:11434/v1)")
        return OpenAIProvider(lambda: _openai(key or "not-needed", base_url, timeout, max_retries, pace),
                              structured=False, name=provider, pace=pace)  # fmt: skip
    if not key:
        raise JudgeError(f"no API key for {provider}: set {variable} in the environment or Streamlit secrets")
    if provider == "openai":
        return OpenAIProvider(lambda: _openai(key, base_url, timeout, max_retries, pace), pace=pace)
    return AnthropicProvider(lambda: _anthropic(key, base_url, timeout, max_retries, pace), pace=pace)


def _openai(key: str | None, base_url: str | None, timeout: float, retries: int, pace: Pace | None
            ) -> openai.AsyncOpenAI:  # fmt: skip
    import openai

    return openai.AsyncOpenAI(api_key=key, base_url=base_url, timeout=timeout, max_retries=retries,
                              http_client=_http_client(openai.DefaultAioHttpClient, pace))  # fmt: skip


def _anthropic(key: str | None, base_url: str | None, timeout: float, retries: int, pace: Pace | None
               ) -> anthropic.AsyncAnthropic:  # fmt: skip
    import anthropic

    return anthropic.AsyncAnthropic(api_key=key, base_url=base_url, timeout=timeout, max_retries=retries,
                                    http_client=_http_client(anthropic.DefaultAioHttpClient, pace))  # fmt: skip
