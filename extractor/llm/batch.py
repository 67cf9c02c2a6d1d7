"""The OpenAI Batch API route (`extractor run --batch`): the same calls, sent as batch files, answers into the cache.

1. Collect: every report not yet done goes through the model path with the transport deferring each call the
   cache cannot answer: its exact request body (as instructor builds it for the mode) becomes a line of a
   requests file, `custom_id` = the call's cache key. Files are cut at the API's limits.
2. Submit: each file is recorded in the run database first (so a kill cannot lose it), then uploaded, then a
   batch is created with our row id as metadata (so a batch created just before a kill is found again, not
   submitted twice).
3. Poll until every batch is finished; each finished batch's output is ingested once: an answer that parses
   and validates against the call's response model becomes a cached call, exactly as if it had been made live;
   an error or an invalid answer is logged as a failed call.
4. The run then goes on as usual: the model path asks again, the cache answers, and the same checks reconcile
   every value. A call the batch did not answer (an error, invalid output) is made live, once, with the
   transport's retries and re-asks, so a report's result never depends on the route it took.

Interrupted anywhere, the same command resumes: batches submitted are polled, not submitted again; calls
already answered are cached; reports already done are skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from extractor.llm.answers import fields_model, path_of
from extractor.llm.settings import ModelSettings
from extractor.llm.transport import MODES
from extractor.redact import scrub
from extractor.store.batch import BatchRequest, BatchStore
from extractor.store.db import CallLog, CallRecord

if TYPE_CHECKING:
    from extractor.backends import Backend

MAX_REQUESTS = 50_000  # per batch file (the API's limit)
MAX_BYTES = 190 * 1024 * 1024  # per batch file (the API's limit is 200 MB)
ENDPOINT = "/v1/chat/completions"
FINISHED = ("completed", "failed", "expired", "cancelled")


class BatchRoute:
    def __init__(self, settings: ModelSettings, log: CallLog, config_hash: str, work_dir: str,
                 echo: Callable[[str], None] = print, client: Any = None) -> None:
        self.s = settings
        self.store = BatchStore(log.con)
        self.config_hash = config_hash
        self.work_dir = work_dir
        self.echo = echo
        self._client = client
        self._carried: set[str] = set()
        self._writer: _RequestFiles | None = None

    def client(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(api_key=self.s.api_key or "not-needed", base_url=self.s.base_url,
                                         timeout=self.s.timeout, max_retries=3)
        return self._client

    # 1. collect ----------------------------------------------------------------------------------------------

    def defer(self, rec: CallRecord, model: type[BaseModel], body: dict[str, Any]) -> None:
        """A call the cache cannot answer, as the collecting backend's transport hands it over: a request line,
        unless a batch in flight carries it already."""
        if self._writer is not None and rec.cache_key not in self._carried:
            self._carried.add(rec.cache_key)
            self._writer.add(rec, model, body)

    def collect(self, reports: Iterable[str], backend: Backend) -> list[str]:
        """Write the calls the cache cannot answer (and no batch in flight carries) as requests files: each report
        asked by `backend`, whose transport defers its calls to `defer`."""
        from extractor.ingest import load

        os.makedirs(self.work_dir, exist_ok=True)
        self._carried = self.store.carried()
        self._writer = _RequestFiles(self.work_dir, self.s)
        try:
            async def go() -> None:
                for path in reports:
                    try:
                        await backend.apropose(load(path))
                    except Exception as exc:  # the run proper reports this file's error
                        self.echo(scrub(f"batch: {path} skipped: {exc}"))

            asyncio.run(go())
            return self._writer.close()
        finally:
            self._writer = None

    # 2. submit -----------------------------------------------------------------------------------------------

    def submit(self, files: list[str]) -> None:
        for path in files:
            self._send(self.store.add(self.config_hash, path, _read_requests(path)))

    def _send(self, bid: int) -> None:
        """Upload the file and create the batch, unless a batch carrying our id already exists (created before a kill)."""
        row = self.store.get(bid)
        found = self._find(bid) if row.status == "uploaded" else None  # only then can a create have happened
        if found is None:
            file_id = row.input_file_id
            if file_id is None:
                with open(row.input_path, "rb") as fh:
                    file_id = self.client().files.create(file=fh, purpose="batch").id
                self._update(bid, input_file_id=file_id, status="uploaded")
            found = self.client().batches.create(input_file_id=file_id, endpoint=ENDPOINT, completion_window="24h",
                                                 metadata={"extractor_batch": str(bid), "config": self.config_hash})
        self._update(bid, batch_id=found.id, input_file_id=found.input_file_id, status=found.status)
        self.echo(f"batch {bid}: {row.requests} requests submitted as {found.id}")

    def _find(self, bid: int) -> Any:
        for b in self.client().batches.list(limit=100):  # every page, newest first
            if (b.metadata or {}).get("extractor_batch") == str(bid):
                return b
        return None

    def _update(self, bid: int, **cols: Any) -> None:
        self.store.update(bid, **cols)

    # 3. poll and ingest --------------------------------------------------------------------------------------

    def wait(self, poll: float, sleep: Callable[[float], None] = time.sleep, once: bool = False) -> int:
        """Poll every batch not yet ingested (whatever run submitted it: its answers are cache entries, good for any
        run asking the same model the same prompt about the same input) until it finishes, or with `once` check each
        once, ingesting each finished one; returns how many are still pending."""
        for row in self.store.pending():
            if row.batch_id is None:  # written or uploaded, never created (a kill): send it now
                self._send(row.id)
        while rows := self.store.pending():
            for row in rows:
                b = self.client().batches.retrieve(row.batch_id)
                counts = b.request_counts
                self._update(row.id, status=b.status, output_file_id=b.output_file_id, error_file_id=b.error_file_id)
                if counts is not None:
                    self.echo(f"batch {row.id} ({b.id}): {b.status}, {counts.completed}/{counts.total} done, "
                              f"{counts.failed} failed")
                if b.status in FINISHED:
                    self.ingest(row.id)
            if once:
                break
            if self.store.pending():
                sleep(poll)
        return len(self.store.pending())

    def ingest(self, bid: int) -> tuple[int, int]:
        """Each answer of a finished batch into the call log: valid ones cached, the rest failed. Once per batch."""
        row = self.store.get(bid)
        requests = self.store.requests(bid)
        lines: list[dict[str, Any]] = []
        for file_id in (row.output_file_id, row.error_file_id):
            if file_id:
                text = self.client().files.content(file_id).text
                lines.extend(json.loads(x) for x in text.splitlines() if x.strip())
        answered = failed = 0
        seen: set[str] = set()
        records = []
        for line in lines:
            req = requests.get(line.get("custom_id") or "")
            if req is None or req.custom_id in seen:
                continue
            seen.add(req.custom_id)
            rec = self._record(req)
            try:
                rec.response, rec.tokens_in, rec.tokens_out = self._parse(req, line)
                answered += 1
            except Exception as exc:
                rec.status, rec.response = "failed", None
                rec.error = scrub(" ".join(f"batch {row.batch_id}: {type(exc).__name__}: {exc}".split()))[:300]
                failed += 1
            records.append(rec)
        for cid, req in requests.items():  # a request the batch never answered (expired, cancelled)
            if cid not in seen:
                rec = self._record(req)
                rec.status, rec.error = "failed", f"batch {row.batch_id} ({row.status}): no answer"
                records.append(rec)
                failed += 1
        self.store.ingested(bid, records, answered, failed)
        self.echo(f"batch {bid} ({row.batch_id}) ingested: {answered} answers cached, {failed} to be asked live")
        return answered, failed

    def _record(self, req: BatchRequest) -> CallRecord:
        return CallRecord(req.report_id, self.s.model, self.s.mode, req.prompt_name, req.prompt_version,
                          req.prompt_hash, req.input_hash, req.custom_id,
                          request={"model": self.s.model, "mode": self.s.mode, "messages": req.messages,
                                   "route": "batch"}, attempts=1)

    def _parse(self, req: BatchRequest, line: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
        """(answer, tokens in, tokens out) of one output line, validated against the call's response model."""
        from openai.types.chat import ChatCompletion

        if line.get("error"):
            raise ValueError(str(line["error"].get("message") if isinstance(line["error"], dict) else line["error"]))
        response = line.get("response") or {}
        if response.get("status_code") != 200:
            raise ValueError(f"status {response.get('status_code')}")
        completion = ChatCompletion.model_validate(response["body"])
        model = fields_model(tuple(req.fields), req.prompt_name)
        obj = model.from_response(completion, mode=MODES[self.s.mode])
        usage = completion.usage
        return (json.loads(obj.model_dump_json()), int(getattr(usage, "prompt_tokens", 0) or 0),
                int(getattr(usage, "completion_tokens", 0) or 0))


class _RequestFiles:
    """Requests files cut at the API's limits; each line carries its call's metadata beside the request proper."""

    def __init__(self, work_dir: str, settings: ModelSettings) -> None:
        self.dir = work_dir
        self.s = settings
        self.files: list[str] = []
        self.fh: Any = None
        self.n = self.size = 0

    def add(self, rec: CallRecord, model: type[BaseModel], body: dict[str, Any]) -> None:
        line = json.dumps({"custom_id": rec.cache_key, "method": "POST", "url": ENDPOINT, "body": body},
                          ensure_ascii=False) + "\n"
        meta = json.dumps({"custom_id": rec.cache_key, "report_id": rec.report_id, "prompt_name": rec.prompt_name,
                           "prompt_version": rec.prompt_version, "prompt_hash": rec.prompt_hash,
                           "input_hash": rec.input_hash,
                           "fields": [path_of(a) for a in model.model_fields]}, ensure_ascii=False) + "\n"
        size = len(line.encode("utf-8"))
        if self.fh is None or self.n >= MAX_REQUESTS or self.size + size > MAX_BYTES:
            self._open()
        self.fh.write(line)
        self.meta.write(meta)
        self.n += 1
        self.size += size

    def _open(self) -> None:
        self.close()
        path = os.path.join(self.dir, f"requests-{time.strftime('%Y%m%d-%H%M%S')}-{len(self.files) + 1:03d}.jsonl")
        self.fh = open(path + ".tmp", "w", encoding="utf-8")
        self.meta = open(path + ".meta.tmp", "w", encoding="utf-8")
        self.files.append(path)
        self.n = self.size = 0

    def close(self) -> list[str]:
        if self.fh is not None:
            path = self.files[-1]
            self.fh.close()
            self.meta.close()
            os.replace(path + ".meta.tmp", path + ".meta")
            os.replace(path + ".tmp", path)
            self.fh = None
        return self.files


def _read_requests(path: str) -> list[BatchRequest]:
    """The calls of a requests file, from its lines and the metadata file beside it."""
    out = []
    with open(path, encoding="utf-8") as fh, open(path + ".meta", encoding="utf-8") as mh:
        for a, b in zip(fh, mh, strict=True):
            r, m = json.loads(a), json.loads(b)
            out.append(BatchRequest(r["custom_id"], m["report_id"], m["prompt_name"], m["prompt_version"],
                                    m["prompt_hash"], m["input_hash"], m["fields"], r["body"]["messages"]))
    return out
