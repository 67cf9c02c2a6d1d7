"""The `openai` backend: the rules' candidates plus a model's, two witnesses for reconcile to weigh.

Per field group, the model is asked only about the fields the rules did not settle (no verified value,
or one the review queue would get), with only the passages that name those fields (never the whole
report, never the template tables the rules settled, never a passage twice), under the group's prompt
(`plan`, `passages`). Every answer comes back as a value and a verbatim quote; the quote is located in the
passage the model named and cut to end at the stated number (`quotes`), so `reconcile.verify` checks it like
any rule's evidence; the rules' candidates are verified once (`plan`), the model's added to them. A call that
fails leaves the report with the rules' values and a note saying which call failed.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from extractor.backends import Backend, Echo, Note, Proposal, Reports, Settings
from extractor.core.candidates import Candidate
from extractor.core.catalogue import spec
from extractor.core.document import Document
from extractor.core.errors import ConfigError
from extractor.llm.answers import fields_model, path_of
from extractor.llm.groups import GROUPS, Group
from extractor.llm.passages import Chunk
from extractor.llm.plan import OPEN_PROMPT, prepare
from extractor.llm.prompts import Prompt, load_prompt
from extractor.llm.quotes import evidence_of, plausible
from extractor.llm.rows import ROW_PREFIX, RowTable
from extractor.llm.rows import attr as row_attr
from extractor.llm.rows import candidates as row_candidates
from extractor.llm.rows import render as render_rows
from extractor.llm.settings import BatchSettings, ModelSettings
from extractor.llm.transport import CallFailed, EndpointFailed, Transport
from extractor.rules.backend import RulesBackend
from extractor.rules.common import stated_share
from extractor.store.db import CallLog
from extractor.text.clean import Cleaned

T = TypeVar("T")


class OpenAIBackend(Backend):
    """Rules plus a model behind any OpenAI-compatible endpoint."""

    name = "openai"
    calls_model = True

    def __init__(self, settings: ModelSettings, log: CallLog | None = None, transport: Transport | None = None,
                 groups: list[Group] | None = None) -> None:
        self.settings = settings
        self.log = log
        self.rules = RulesBackend()
        self.transport = transport or Transport(settings, log)
        self.groups = groups or GROUPS
        self.calls_done = 0
        self.chars_sent = 0  # prompt characters of every call asked (cached or not): what the design sends
        self._cpu: tuple[int, ThreadPoolExecutor] | None = None  # (pid, executor) of the reports' CPU work

    @classmethod
    def build(cls, settings: Settings, log: CallLog | None) -> OpenAIBackend:
        if settings.model is None:
            raise ConfigError(f"the {cls.name} backend needs a model endpoint (OPENAI_BASE_URL or OPENAI_API_KEY)")
        return cls(settings.model.check(), log)

    def config(self) -> dict[str, Any]:
        """What decides this backend's values (the run's configuration): the endpoint without credentials, never a key."""
        names = [g.name for g in self.groups] if self.settings.ask == "all" else [OPEN_PROMPT]
        prompts = {n: {"version": load_prompt(n).version, "hash": load_prompt(n).sha} for n in names}
        return {"backend": self.name, "endpoint": self.settings.endpoint, "model": self.settings.model,
                "mode": self.settings.mode, "ask": self.settings.ask, "prompts": prompts}

    def propose(self, doc: Document, cleaned: Cleaned) -> Proposal:
        """One report from synchronous code: its own event loop, its connections closed before the loop is."""
        async def one() -> Proposal:
            try:
                return await self.apropose(doc, cleaned)
            finally:
                await self.transport.aclose()

        return asyncio.run(one())

    async def apropose(self, doc: Document, cleaned: Cleaned | None = None) -> Proposal:
        plan = await self.offload(prepare, self.rules, self.groups, self.settings.ask, doc, cleaned)
        said = plan.rules
        # the report's title when the rules found one; never the file's path (a local name is not the report's)
        title = next((str(c.value) for c in said.candidates if c.path == "meta.title" and c.value), "")
        jobs = [self._ask(doc, load_prompt(a.prompt), a.chunks, title, a.fields, a.tables) for a in plan.asks]
        out = Proposal(list(said.candidates), list(said.notes), said.verified, said.decided, said.marked)
        for answered in await asyncio.gather(*jobs):
            out.candidates.extend(answered.candidates)
            out.notes.extend(answered.notes)
        added = out.candidates[len(said.candidates):]
        if added and said.verified is not None:  # the model added witnesses: verified alone, then both decided
            out.verified, out.decided, out.marked = said.verified.add(added), None, None
        return out

    async def offload(self, fn: Callable[..., T], *args: Any) -> T:
        """On one thread of this process's own, in order: the rules of a report (20 ms of CPU and more) would
        otherwise hold the event loop, and every answer in flight would wait for them."""
        if self._cpu is None or self._cpu[0] != os.getpid():  # a forked shard makes its own
            self._cpu = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="extractor-cpu"))
        return await asyncio.get_running_loop().run_in_executor(self._cpu[1], functools.partial(fn, *args))

    async def aclose(self) -> None:
        await self.transport.aclose()

    def warm(self) -> None:
        """The SDK's lazily imported resources and the endpoint's TLS context (a client built once, never used: shards
        forked afterwards inherit them) and the rules."""
        Transport(ModelSettings(model="warm", base_url=self.settings.base_url), None)._instructor()
        self.rules.warm()

    def prefetch(self, reports: Reports, batch: BatchSettings, work_dir: str, config_hash: str, echo: Echo) -> int:
        """The Batch API route: batches an interrupted run left first, then one of every call the cache cannot
        answer (asked by a twin of this backend whose transport defers them); returns the batches still pending."""
        from extractor.llm.batch import BatchRoute

        if self.log is None:
            raise ConfigError("--batch needs the run database (the call log)")
        route = BatchRoute(self.settings, self.log, config_hash, work_dir, echo=echo)
        route.wait(batch.poll, once=not batch.wait)
        twin = OpenAIBackend(self.settings, self.log, Transport(self.settings, self.log, defer=route.defer),
                             self.groups)
        files = route.collect(reports(), twin)
        if not files:
            echo("batch: every call is answered already (cache or earlier batches)")
        route.submit(files)
        return route.wait(batch.poll, once=not batch.wait)

    async def _ask(self, doc: Document, prompt: Prompt, chunks: list[Chunk], title: str, todo: list[str],
                   tables: list[RowTable] | None = None) -> Proposal:
        tables = tables or []
        fields = "、".join(p.replace(".", "__") for p in todo)  # what each means is in the schema: not sent twice
        body = "\n\n".join(f"[{c.id}]\n{c.text}\n[/{c.id}]" for c in chunks)
        system, user = prompt.render(title=title, fields=fields, chunks=body, tables=render_rows(tables))
        self.chars_sent += len(system) + len(user)
        asked_rows = tuple((row_attr(u), u.label) for t in tables for u in t.rows)
        model = fields_model(tuple(todo), prompt.name, asked_rows)
        try:
            answers = await self.transport.ask(prompt, system, user, model, doc.id)
        except CallFailed as exc:
            return Proposal([], [Note(f"{exc}; the rules' values stand for {prompt.name}", model_failed=True,
                                      fatal=isinstance(exc, EndpointFailed))])
        finally:
            self.calls_done += 1
        by_id = {c.id: c for c in chunks}
        said = dict(answers)
        cells, rows_refused = row_candidates(doc.original, tables, said, f"model ({prompt.name} prompt v{prompt.version})")
        out = Proposal(cells)
        if rows_refused:
            out.notes.append(Note(f"model row readings refused: {'; '.join(rows_refused)} ({prompt.name} prompt)"))
        refused: list[str] = []
        for attr, ans in said.items():
            if ans is None or attr.startswith(ROW_PREFIX) or ans.value is None:
                continue
            path = path_of(attr)
            kind = spec(path).kind
            value = plausible(path, kind, ans.value)
            if value is None:
                if not (kind == "list" and ans.value == []):
                    refused.append(path)
                continue
            cand = Candidate(path=path, value=value, method="model", backend="openai", confidence=0.75,
                             note=f"model answer ({prompt.name} prompt v{prompt.version}, chunk {ans.chunk})")
            if ans.quote:
                q = evidence_of(doc.original, ans.quote, by_id.get(ans.chunk or ""), value, kind)
                cand.evidence, cand.span = q.text, q.span
                cand.share = stated_share(doc.original, q.span)  # 占N% after the quote, as the rules read it
            out.candidates.append(cand)
        if refused:
            out.notes.append(Note(f"model answers refused as not a possible value: {', '.join(refused)} "
                                  f"({prompt.name} prompt)"))
        return out
