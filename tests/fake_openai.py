"""A fake OpenAI-compatible server on 127.0.0.1 for tests: real HTTP, scripted answers and faults.

`FakeOpenAI(answer)` serves POST /v1/chat/completions. `answer(request_json, fields)` returns a dict
attr -> {"value", "quote", "chunk"} for the fields the response model asks for; the server wraps it
the way the request's instructor mode expects (a tool call, JSON content, or a fenced JSON block).
`script` is a list of faults consumed one per request before answering normally:
  "429:<seconds>"  rate limited with Retry-After      "500"        server error
  "slow:<seconds>" sleep before answering              "malformed"  JSON that does not parse
  "invalid"        JSON that violates the schema       "fail"       500 on every request from now on
Every request is recorded in `requests` (parsed body) for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[dict[str, Any], list[str]], dict[str, Any]]


def requested_fields(body: dict[str, Any]) -> tuple[str, list[str]]:
    """(response model name, its field names) from the tool schema or the JSON-mode instructions."""
    if body.get("tools"):
        fn = body["tools"][0]["function"]
        return fn["name"], list(fn["parameters"].get("properties", {}))
    rf = body.get("response_format") or {}
    if rf.get("type") == "json_schema":
        schema = rf["json_schema"]["schema"]
        return rf["json_schema"].get("name", "answer"), list(schema.get("properties", {}))
    text = "\n".join(m.get("content") or "" for m in body.get("messages", []) if isinstance(m.get("content"), str))
    start = text.find("{")
    for end in range(len(text), start, -1):  # the schema instructor puts in the system message
        if text[end - 1] != "}":
            continue
        try:
            schema = json.loads(text[start:end])
            return schema.get("title", "answer"), list(schema.get("properties", {}))
        except json.JSONDecodeError:
            continue
    return "answer", []


class FakeOpenAI:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.script: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.failing = False
        self.lock = threading.Lock()
        self.latency = 0.0
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests this server answered at once
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall between them

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake.lock:
                    fake.requests.append(body)
                    fault = fake.script.pop(0) if fake.script else ("fail" if fake.failing else "ok")
                    if fault == "fail":
                        fake.failing = True
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    self._answer(body, fault)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1

            def _answer(self, body: dict[str, Any], fault: str) -> None:
                if fake.latency:
                    time.sleep(fake.latency)
                if fault.startswith("429"):
                    return self._send(429, {"error": {"message": "rate limited", "type": "rate_limit"}},
                                      {"retry-after": fault.split(":")[1] if ":" in fault else "1"})
                if fault in ("500", "fail"):
                    return self._send(500, {"error": {"message": "boom", "type": "server_error"}})
                if fault.startswith("slow"):
                    time.sleep(float(fault.split(":")[1]))
                name, fields = requested_fields(body)
                if fault == "malformed":
                    args = '{"broken": '
                elif fault == "invalid":
                    args = json.dumps({f: {"value": "many", "quote": None, "chunk": None} for f in fields[:1]})
                else:
                    args = json.dumps(self_answer(fake, body, fields), ensure_ascii=False)
                self._send(200, completion(body, name, args))

            def _send(self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(code)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # many clients connect at once (concurrency 32 and more)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def self_answer(fake: FakeOpenAI, body: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    got = fake.answer(body, fields)
    return {f: got.get(f) for f in fields}


def completion(body: dict[str, Any], name: str, args: str) -> dict[str, Any]:
    usage = {"prompt_tokens": sum(len(m.get("content") or "") for m in body.get("messages", [])) // 2,
             "completion_tokens": len(args) // 2}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    if body.get("tools"):
        message = {"role": "assistant", "content": None,
                   "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}]}
        finish = "tool_calls"
    elif body.get("response_format"):
        message, finish = {"role": "assistant", "content": args}, "stop"
    else:  # markdown JSON mode
        message, finish = {"role": "assistant", "content": f"```json\n{args}\n```"}, "stop"
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage}


def serve(latency: float = 0.0) -> None:  # pragma: no cover - used by the benchmark, in its own process
    """Serve empty answers with a fixed latency until killed; prints the base URL on the first line."""
    import sys

    with FakeOpenAI(lambda body, fields: {}) as fake:
        fake.latency = latency
        print(fake.base_url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


if __name__ == "__main__":  # python -m tests.fake_openai LATENCY
    import sys

    serve(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)
