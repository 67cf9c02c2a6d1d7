"""A fake OpenAI-compatible server on 127.0.0.1 for tests: real HTTP, scripted answers and faults.

`FakeOpenAI(answer)` serves POST /v1/chat/completions. `answer(request_json, fields)` returns a dict
attr -> {"value", "quote", "chunk"} for the fields the response model asks for; the server wraps it
the way the request's instructor mode expects (a tool call, JSON content, or a fenced JSON block).
It also serves the files and batches endpoints (upload, create, retrieve, list, content): a batch moves on
one state per retrieval and is answered line by line the same way, with `batch_faults` for its lines.
`script` is a list of faults consumed one per request before answering normally:
  "429:<seconds>"  rate limited with Retry-After      "500"        server error
  "slow:<seconds>" sleep before answering              "malformed"  JSON that does not parse
  "invalid"        JSON that violates the schema       "fail"       500 on every request from now on
  "401echo"        401 whose body repeats the request's Authorization header (a server that echoes the key)
  "500echo"        500 whose body repeats it           "down"       close the connection without answering
`fault_for(n, body)`, when set, gives the fault of the n-th request (0-based, its parsed body) instead of the script.
Every request is recorded in `requests` (parsed body) and `headers` (its headers, lower-cased names) for assertions.
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
        self.headers: list[dict[str, str]] = []
        self.failing = False
        self.lock = threading.Lock()
        self.latency = 0.0
        self.in_flight = 0
        self.api_calls: list[tuple[str, str]] = []  # files and batches endpoints: (method, path)
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_polls = 1  # retrievals a batch stays in progress
        self.batch_outcome = "completed"  # or "expired": only the first half of the requests answered
        self.batch_faults: list[str] = []  # per batch line, consumed in order: "error", "invalid", "malformed"
        self.batch_requests: list[dict[str, Any]] = []  # request bodies the batches answered
        self.max_in_flight = 0  # the most requests this server answered at once
        self.fault_for: Callable[[int, dict[str, Any]], str] | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall between them

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                with fake.lock:
                    fake.api_calls.append(("GET", path))
                    if path.endswith("/batches"):
                        return self._send(200, {"object": "list", "data": [fake.batch(b) for b in fake.batches],
                                                "has_more": False})
                    if "/batches/" in path and path.split("/batches/")[1] in fake.batches:
                        return self._send(200, fake.poll(path.split("/batches/")[1]))
                    if path.endswith("/content") and path.split("/")[-2] in fake.files:
                        return self._send_bytes(200, fake.files[path.split("/")[-2]]["data"], "application/octet-stream")
                self._send(404, {"error": {"message": f"no such thing: {path}", "type": "not_found"}})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                path = self.path.split("?")[0]
                if not path.endswith("/chat/completions"):
                    with fake.lock:
                        fake.api_calls.append(("POST", path))
                        if path.endswith("/files"):
                            return self._send(200, fake.upload(self.headers.get("content-type", ""), raw))
                        if path.endswith("/batches"):
                            return self._send(200, fake.create_batch(json.loads(raw)))
                    return self._send(404, {"error": {"message": f"no such endpoint: {path}", "type": "not_found"}})
                body = json.loads(raw or b"{}")
                with fake.lock:
                    fake.requests.append(body)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                    if fake.fault_for is not None:
                        fault = fake.fault_for(len(fake.requests) - 1, body)
                    else:
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
                if fault in ("401echo", "500echo"):
                    auth = self.headers.get("authorization") or ""
                    return self._send(int(fault[:3]), {"error": {
                        "message": f"Incorrect API key provided: {auth.removeprefix('Bearer ')}; header was {auth}",
                        "type": "invalid_request_error", "code": "invalid_api_key"}})
                if fault == "down":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                if fault.startswith("slow"):
                    time.sleep(float(fault.split(":")[1]))
                name, fields = requested_fields(body)
                self._send(200, fake.complete(body, fault))

            def _send(self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                self._send_bytes(code, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json",
                                 headers)

            def _send_bytes(self, code: int, data: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(code)
                    self.send_header("content-type", ctype)
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

    def complete(self, body: dict[str, Any], fault: str = "ok") -> dict[str, Any]:
        """The chat completion answering a request (or, with a fault, a broken one)."""
        name, fields = requested_fields(body)
        if fault == "malformed":
            args = '{"broken": '
        elif fault == "invalid":
            args = json.dumps({f: {"value": "many", "quote": None, "chunk": None} for f in fields[:1]})
        else:
            args = json.dumps(self_answer(self, body, fields), ensure_ascii=False)
        return completion(body, name, args)

    # the files and batches endpoints (called under the lock) ------------------------------------------------

    def upload(self, ctype: str, raw: bytes) -> dict[str, Any]:
        from email.parser import BytesParser
        from email.policy import HTTP

        msg = BytesParser(policy=HTTP).parsebytes(b"content-type: " + ctype.encode() + b"\r\n\r\n" + raw)
        parts = {p.get_param("name", header="content-disposition"): p for p in msg.iter_parts()}
        data = parts["file"].get_payload(decode=True)
        fid = f"file-{len(self.files) + 1}"
        self.files[fid] = {"data": data, "purpose": parts["purpose"].get_payload(decode=True).decode(),
                           "filename": parts["file"].get_filename() or "upload.jsonl"}
        return self.file(fid)

    def file(self, fid: str) -> dict[str, Any]:
        f = self.files[fid]
        return {"id": fid, "object": "file", "bytes": len(f["data"]), "created_at": int(time.time()),
                "filename": f["filename"], "purpose": f["purpose"], "status": "processed"}

    def create_batch(self, req: dict[str, Any]) -> dict[str, Any]:
        bid = f"batch_{len(self.batches) + 1}"
        lines = [json.loads(x) for x in self.files[req["input_file_id"]]["data"].decode("utf-8").splitlines() if x]
        self.batches[bid] = {"req": req, "lines": lines, "status": "validating", "polls": 0,
                             "output_file_id": None, "error_file_id": None}
        return self.batch(bid)

    def poll(self, bid: str) -> dict[str, Any]:
        """Each retrieval moves a batch on: validating, in_progress (`batch_polls` times), then `batch_outcome`."""
        b = self.batches[bid]
        b["polls"] += 1
        if b["status"] == "validating":
            b["status"] = "in_progress"
        elif b["status"] == "in_progress" and b["polls"] > self.batch_polls:
            self._finish(bid)
        return self.batch(bid)

    def _finish(self, bid: str) -> None:
        b = self.batches[bid]
        out, err = [], []
        lines = b["lines"] if self.batch_outcome == "completed" else b["lines"][: len(b["lines"]) // 2]
        for i, line in enumerate(lines):
            fault = self.batch_faults.pop(0) if self.batch_faults else "ok"
            self.batch_requests.append(line["body"])
            if fault == "error":
                err.append({"id": f"req_{i}", "custom_id": line["custom_id"], "response": None,
                            "error": {"code": "server_error", "message": "the batch worker failed"}})
            else:
                out.append({"id": f"req_{i}", "custom_id": line["custom_id"], "error": None,
                            "response": {"status_code": 200, "request_id": f"r{i}",
                                         "body": self.complete(line["body"], fault)}})
        for key, rows in (("output_file_id", out), ("error_file_id", err)):
            if rows:
                fid = f"file-{len(self.files) + 1}"
                self.files[fid] = {"data": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(),
                                   "purpose": "batch_output", "filename": f"{bid}_{key}.jsonl"}
                b[key] = fid
        b["status"] = self.batch_outcome
        b["counts"] = {"total": len(b["lines"]), "completed": len(out), "failed": len(err)}

    def batch(self, bid: str) -> dict[str, Any]:
        b = self.batches[bid]
        counts = b.get("counts") or {"total": len(b["lines"]), "completed": 0, "failed": 0}
        return {"id": bid, "object": "batch", "endpoint": b["req"]["endpoint"], "input_file_id": b["req"]["input_file_id"],
                "completion_window": b["req"]["completion_window"], "status": b["status"], "created_at": int(time.time()),
                "output_file_id": b["output_file_id"], "error_file_id": b["error_file_id"],
                "metadata": b["req"].get("metadata"), "request_counts": counts}

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
