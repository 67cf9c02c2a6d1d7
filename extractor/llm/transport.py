"""One model call: cache, instructor (re-asks for invalid output only), one tenacity policy for transport.

The SDK's own retries are off (`max_retries=0`) so they never stack with ours. Transient failures
(429 honouring Retry-After, 5xx, timeouts, connection errors) are retried with exponential backoff and
jitter up to `max_attempts`; invalid or schema-violating output is re-asked by instructor up to
`reasks` times. Every logical call is logged (never the key); a call already made with the same model,
mode, prompt version/hash and input is answered from the cache without HTTP.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import json
import logging
import time
import types
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import instructor
import openai
from pydantic import BaseModel
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from extractor.llm.prompts import Prompt
from extractor.llm.settings import ModelSettings
from extractor.redact import install_logging, register, scrub
from extractor.store.db import CallLog, CallRecord

if TYPE_CHECKING:  # the HTTP client the installed openai SDK is built on (openai 3 uses httpx2, older ones httpx)
    import httpx2 as httpx
else:
    try:
        import httpx2 as httpx
    except ImportError:  # pragma: no cover - older SDKs
        import httpx

__all__ = ["MODES", "CallFailed", "EndpointFailed", "ModelSettings", "Transport"]

MODES = {"tools": instructor.Mode.TOOLS, "json": instructor.Mode.JSON, "json_schema": instructor.Mode.JSON_SCHEMA,
         "md_json": instructor.Mode.MD_JSON}  # the instructor mode of each of `settings.MODE_NAMES`
# where a batch's transport hands each call the cache cannot answer: its record (cache key, prompt, report), its
# response model and the exact request body instructor would send
Defer = Callable[[CallRecord, type[BaseModel], dict[str, Any]], None]
_HTTP_REQUESTS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("http_requests", default=None)
_CAPTURING: contextvars.ContextVar[bool] = contextvars.ContextVar("capturing", default=False)


class _QuietWhileCapturing(logging.Filter):
    """instructor logs every failed attempt; a captured request 'fails' by design, so those records are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _CAPTURING.get()


def _quiet_instructor() -> None:
    """A filter on every instructor logger (a parent's filter does not see its children's records)."""
    quiet = _QuietWhileCapturing()
    for name in list(logging.root.manager.loggerDict):
        if name == "instructor" or name.startswith("instructor."):
            lg = logging.getLogger(name)
            if not any(isinstance(f, _QuietWhileCapturing) for f in lg.filters):
                lg.addFilter(quiet)


def _check_models_once() -> None:
    """instructor walks a response model's whole type tree on every call, refusing async validators (a millisecond of
    CPU a call, a tenth of the client's). Our response models are built once per field set (`answers.fields_model`)
    and never change: a model that passed is not walked again (one that fails still fails every time). Where this
    instructor has no such check, nothing is changed."""
    try:
        from instructor.v2.validation import async_validators as checks
    except ImportError:  # pragma: no cover - another instructor
        return
    walk = getattr(checks, "reject_async_validators", None)
    if walk is None or getattr(walk, "extractor_once", False):
        return
    passed: set[type] = set()

    def once(response_model: Any) -> None:
        if isinstance(response_model, type) and response_model in passed:
            return
        walk(response_model)
        if isinstance(response_model, type):
            passed.add(response_model)

    once.extractor_once = True  # type: ignore[attr-defined]
    checks.reject_async_validators = once


# what instructor passes the SDK's `create` in our modes: plain JSON (dicts, lists, strings) that the SDK's request
# transform (a recursive walk of every value against the parameters' TypedDicts, a third of a call's client CPU) hands
# back unchanged, since none of these parameters has an alias or a format
_PLAIN_PARAMS = frozenset({"messages", "model", "tools", "tool_choice", "response_format"})


def _plain_create(raw: Any) -> Callable[..., Awaitable[Any]] | None:
    """The chat completions `create` of the SDK client `raw` for plain-JSON requests, without the SDK's transform: the
    same body, options and response type, posted by the client itself; anything else (another parameter, a stream)
    goes through the SDK's own `create`, built only then (`openai.resources`, every endpoint's module, costs half a
    second of CPU to import). None when this SDK has not the pieces (its own `create` is used)."""
    try:
        from openai import AsyncStream
        from openai._base_client import make_request_options
        from openai.types.chat import ChatCompletion, ChatCompletionChunk
    except ImportError:  # pragma: no cover - another SDK
        return None
    post = getattr(raw, "post", None)
    if post is None:  # pragma: no cover - another SDK
        return None
    try:
        options = make_request_options(security={"bearer_auth": True})
    except TypeError:  # an SDK whose request options have no `security` (openai 1.x): its own create
        return None

    async def create(*args: Any, **kwargs: Any) -> Any:
        if args or not kwargs.keys() <= _PLAIN_PARAMS or not isinstance(kwargs.get("response_format", {}), dict):
            return await type(raw).chat.func(raw).completions.create(*args, **kwargs)
        return await post("/chat/completions", body=kwargs, options=options, cast_to=ChatCompletion, stream=False,
                          stream_cls=AsyncStream[ChatCompletionChunk])

    return create


@functools.cache
def _ssl_context() -> Any:
    """One TLS context per process (built while warming, before shards fork, so they inherit it): loading the trust
    store costs 20 ms and more of CPU, which every shard's client would otherwise pay again. The same verifying
    context whatever the endpoint's scheme: httpx uses it for an HTTPS proxy and a redirect too. An httpx without
    `create_ssl_context` builds its own (True: verify against the default store)."""
    make = getattr(httpx, "create_ssl_context", None)
    return make() if make is not None else True


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # building the client outside a loop (warming up)
        return None


class CallFailed(Exception):
    """The call failed after every attempt; the message says why (never includes the key)."""


class EndpointFailed(CallFailed):
    """No call can succeed: the endpoint refuses the key, or has not been reached once. The run stops."""


def chain(exc: BaseException) -> list[BaseException]:
    out = [exc]
    while out[-1].__cause__ is not None and len(out) < 10:
        out.append(out[-1].__cause__)
    return out


def root_cause(exc: BaseException) -> BaseException:
    """The API error under instructor's wrapper (not the httpx error under the API error)."""
    return next((e for e in chain(exc) if isinstance(e, openai.OpenAIError)), chain(exc)[-1])


def transient(exc: BaseException) -> bool:
    e = root_cause(exc)
    if isinstance(e, (openai.RateLimitError, openai.APITimeoutError, openai.APIConnectionError, openai.InternalServerError)):
        return True
    return isinstance(e, openai.APIStatusError) and e.status_code >= 500


class RateLimiter:
    """At most `rpm` call starts per minute (evenly spaced); None means no limit."""

    def __init__(self, rpm: float | None) -> None:
        self.interval = 60.0 / rpm if rpm else 0.0
        self.next_at = 0.0
        self.lock: asyncio.Lock | None = None

    async def wait(self) -> None:
        if not self.interval:
            return
        self.lock = self.lock or asyncio.Lock()
        async with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


class Transport:
    def __init__(self, settings: ModelSettings, log: CallLog | None,
                 sleep: Callable[[float], Awaitable[None]] | None = None, defer: Defer | None = None) -> None:
        self.s = settings
        self.log = log
        self.sleep = sleep or asyncio.sleep
        self._client: Any = None
        self._sem: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: Any = None
        self._limiter = RateLimiter(settings.rpm)
        self.http_requests = 0
        self.defer = defer  # a batch's collector: calls the cache cannot answer are handed to it instead of sent
        self._capture: Any = None
        self._inflight: dict[str, asyncio.Future[dict[str, Any]]] = {}  # cache key -> the answer of the call making it
        self.answered = 0  # calls answered by the server (not the cache) in this process
        self.unreachable = 0  # calls that could not connect while none had been answered
        register(settings.api_key)
        install_logging()
        _check_models_once()
        if not logging.getLogger().handlers:  # unless logging is configured: every attempt is in the call log, not stderr
            logging.getLogger("instructor").setLevel(logging.CRITICAL)

    def _instructor(self) -> Any:
        """The client for the running event loop. A new loop (each synchronous `propose` runs its own) gets a new
        client and bound: kept-alive connections and semaphores belong to the loop that made them."""
        loop = _running_loop()
        if loop is not self._loop:
            self._loop, self._client, self._sem = loop, None, None
            self._limiter.lock = None
            self._inflight = {}
        if self._client is None:
            async def count(_request: httpx.Request) -> None:
                self.http_requests += 1
                box = _HTTP_REQUESTS.get()
                if box is not None:
                    box[0] += 1

            # as many connections, all kept alive, as calls may be in flight (this shard's share of --concurrency):
            # not the library's 100 and 20, which cap the calls above 100 and reconnect above 20
            n = max(1, self.s.concurrency)
            limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
            tls = _ssl_context()
            http = self._http = httpx.AsyncClient(timeout=self.s.timeout, limits=limits, event_hooks={"request": [count]},
                                                  verify=tls)
            raw = openai.AsyncOpenAI(api_key=self.s.api_key or "not-needed", base_url=self.s.base_url, max_retries=0,
                                     timeout=self.s.timeout, http_client=http)
            plain = _plain_create(raw)
            if plain is not None and isinstance(vars(type(raw)).get("chat"), functools.cached_property):
                # what instructor wraps below: `raw.chat.completions.create`, set where the cached property keeps it
                raw.__dict__["chat"] = types.SimpleNamespace(completions=types.SimpleNamespace(create=plain))
            self._client = instructor.from_openai(raw, mode=MODES[self.s.mode])
        return self._client

    async def aclose(self) -> None:
        """Close this loop's connections (before its loop ends: kept-alive sockets would outlive it)."""
        if self._client is not None and self._loop is _running_loop():
            await self._http.aclose()
            self._client = None

    async def request_body(self, system: str, user: str, model: type[BaseModel]) -> dict[str, Any]:
        """The JSON body instructor sends for this call in this mode (tools, response format, instructions), taken
        from a client whose transport keeps the request instead of sending it."""
        if self._capture is None or self._capture[0] is not _running_loop():
            box: dict[str, Any] = {}

            def keep(request: httpx.Request) -> httpx.Response:
                box.update(json.loads(request.content))
                return httpx.Response(418, json={"error": {"message": "kept, not sent", "type": "captured"}})

            raw = openai.AsyncOpenAI(api_key="not-sent", base_url="http://127.0.0.1:9/v1", max_retries=0,
                                     http_client=httpx.AsyncClient(transport=httpx.MockTransport(keep)))
            self._capture = (_running_loop(), instructor.from_openai(raw, mode=MODES[self.s.mode]), box,
                             asyncio.Lock())
            _quiet_instructor()
        _, client, box, lock = self._capture
        async with lock:  # one capture at a time: they share the box
            box.clear()
            _CAPTURING.set(True)  # this task's context only
            try:
                await client.chat.completions.create(model=self.s.model, response_model=model, max_retries=1,
                                                     messages=[{"role": "system", "content": system},
                                                               {"role": "user", "content": user}])
            except Exception:  # the 418 above: expected
                pass
            if not box:
                raise CallFailed("could not build the request body for a batch")
            return dict(box)

    def _wait(self, state: Any) -> float:
        exc = state.outcome.exception() if state.outcome else None
        e = root_cause(exc) if exc else None
        if isinstance(e, openai.RateLimitError) and e.response is not None:
            ra = e.response.headers.get("retry-after")
            try:
                if ra is not None:
                    return min(float(ra), self.s.retry_after_max)
            except ValueError:
                pass
        return wait_random_exponential(multiplier=self.s.backoff, max=self.s.backoff_max)(state)

    def cache_key(self, prompt: Prompt, system: str, user: str) -> str:
        h = hashlib.sha256()
        for part in (self.s.endpoint, self.s.model, self.s.mode, prompt.name, prompt.version, prompt.sha, system, user):
            h.update(part.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()

    def _failure(self, prompt: Prompt, e: BaseException, attempts: int) -> CallFailed:
        """The exception for a call that failed: fatal for the run when no call can succeed."""
        if isinstance(e, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return EndpointFailed(f"the model endpoint refused the API key (HTTP {e.status_code}) at {self.s.endpoint}; "
                                  "check OPENAI_API_KEY and OPENAI_BASE_URL")
        if isinstance(e, (openai.APIConnectionError, openai.APITimeoutError)) and not self.answered:
            self.unreachable += 1
            if self.unreachable >= self.s.unreachable_after:
                return EndpointFailed(f"cannot reach the model endpoint {self.s.endpoint}: {self.unreachable} calls "
                                      f"failed to connect and none was answered ({type(e).__name__})")
        return CallFailed(f"model call {prompt.name} failed after {attempts} HTTP attempt(s): {type(e).__name__}")

    async def ask(self, prompt: Prompt, system: str, user: str, model: type[BaseModel], report_id: str | None = None) -> BaseModel:
        key = self.cache_key(prompt, system, user)
        rec = CallRecord(report_id, self.s.model, self.s.mode, prompt.name, prompt.version, prompt.sha,
                         hashlib.sha256(user.encode("utf-8")).hexdigest()[:16], key,
                         request={"model": self.s.model, "mode": self.s.mode,
                                  "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]})
        if self.log is not None:
            hit = self.log.cached(key)
            if hit is not None:
                rec.status, rec.response = "cache_hit", hit
                self.log.record(rec)
                return model.model_validate(hit)
        if self.defer is not None:
            self.defer(rec, model, await self.request_body(system, user, model))
            raise CallFailed(f"model call {prompt.name} deferred to a batch")
        self._instructor()  # this loop's client, bound and calls in flight
        leader = self._inflight.get(key)
        if leader is not None:  # the same call is being made: its answer, as the cache would give it once it is in
            try:
                answer = await asyncio.shield(leader)
            except CallFailed:
                pass  # it failed: this one is made on its own, with its own attempts
            else:
                rec.status, rec.response = "cache_hit", answer
                if self.log is not None:
                    self.log.record(rec)
                return model.model_validate(answer)
        mine: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._inflight.setdefault(key, mine)
        try:
            obj = await self._send(prompt, system, user, model, rec)
        except BaseException as exc:
            mine.set_exception(exc if isinstance(exc, CallFailed) else CallFailed(str(exc)))
            mine.exception()  # retrieved: a call nobody waited on is no error
            raise
        else:
            assert rec.response is not None
            mine.set_result(rec.response)
            return obj
        finally:
            if self._inflight.get(key) is mine:
                del self._inflight[key]

    async def _send(self, prompt: Prompt, system: str, user: str, model: type[BaseModel], rec: CallRecord) -> BaseModel:
        """The call over HTTP, with retries and re-asks; logged, whatever the outcome."""
        box = [0]
        token = _HTTP_REQUESTS.set(box)
        t0 = time.perf_counter()
        try:
            retrying = AsyncRetrying(stop=stop_after_attempt(self.s.max_attempts), wait=self._wait,
                                     retry=retry_if_exception(transient), reraise=True, sleep=self.sleep)
            async for attempt in retrying:
                with attempt:
                    client = self._instructor()
                    self._sem = self._sem or asyncio.Semaphore(self.s.concurrency)
                    async with self._sem:
                        await self._limiter.wait()
                        obj, completion = await client.chat.completions.create_with_completion(
                            model=self.s.model, response_model=model, max_retries=self.s.reasks,
                            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}])
        except Exception as exc:  # every failure becomes one clear reason for this call
            e = root_cause(exc)
            rec.status, rec.attempts = "failed", box[0]
            rec.error = scrub(f"{type(e).__name__}: {e}")[:300]  # scrubbed whole: a cut key would not match
            rec.latency_ms = (time.perf_counter() - t0) * 1000
            if self.log is not None:
                self.log.record(rec)
            raise self._failure(prompt, e, box[0]) from None
        finally:
            _HTTP_REQUESTS.reset(token)
        self.answered += 1
        usage = getattr(completion, "usage", None)
        rec.tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        rec.tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        rec.latency_ms = (time.perf_counter() - t0) * 1000
        rec.attempts = box[0]
        rec.response = json.loads(obj.model_dump_json())
        if self.log is not None:
            self.log.record(rec)
        return cast(BaseModel, obj)  # an instance of `model`: instructor validated it
