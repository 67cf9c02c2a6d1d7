"""A result as the plain rows the store writes, made where the report was (a worker process): what the process that
commits it receives, cheap to send (tuples and strings), nothing left to build. Pure data: no I/O."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from extractor.core.result import EMPTY
from extractor.store.shapes import FieldLike, ResultLike


def dumps(v: Any) -> str:
    """JSON text of a value (the common null, empty list and plain integer without the encoder: a run stores
    hundreds per report)."""
    if v is None:
        return "null"
    if type(v) is int:
        return str(v)
    if type(v) is list and not v:
        return "[]"
    return json.dumps(v, ensure_ascii=False)


def loads(s: str | None) -> Any:
    return None if s is None else json.loads(s)


SAME_REPORT = ("meta.report_year", "meta.issuing_body", "meta.title")  # what tells one report from another


def _plain(v: Any) -> Any:
    return "".join(v.split()) if isinstance(v, str) else v


class ResultRows(NamedTuple):
    """A result as the plain data the store writes (`result_rows`): built where the report was, sent to the
    process that commits it as tuples and strings."""

    report: tuple[str, str, str, str, str, str | None]  # id, sha256, path, encoding, media type, body digest
    says: tuple[Any, ...]  # what it says of the fields that tell one report from another (`SAME_REPORT`)
    backend: str
    status: str
    notes: str  # JSON
    fields: tuple[tuple[Any, ...], ...]  # the non-empty fields' field_data rows, a catalogue index for the field id
    confidences: tuple[float, ...]  # each row's field's confidence, unrounded (the threshold compares it)
    bounds: tuple[float, ...]  # each row's field is reviewed under a threshold above this (`review_bound`)
    # for fields reviewed at every threshold, made where the report was (`review.routing.said_always`): per row
    # position, whether the field is first in the queue whatever the threshold, and its review item's columns
    said: tuple[tuple[int, bool, tuple[Any, ...]], ...] = ()

    def review_paths(self, threshold: float) -> list[str]:
        """The fields reviewed under `threshold`, in catalogue order."""
        cat = catalogue_paths()
        return [cat[f[0]] for f, b in zip(self.fields, self.bounds, strict=True) if threshold > b]


@functools.cache
def catalogue_paths() -> tuple[str, ...]:
    """The catalogue's paths by index (how `ResultRows` names its fields)."""
    from extractor.core.catalogue import catalogue

    return tuple(catalogue())


def field_row(index: int, r: FieldLike, d: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
    """A field's row in field_data, its catalogue index for its id (the store maps it), or None for an empty field
    (not stored: a missing row reads back as one); `d` is `r.as_dict()` when the caller has it."""
    if d is None:
        d = r.as_dict()
    if d == EMPTY:
        return None
    span = r.span or (None, None)
    return (index, dumps(r.value), r.evidence, span[0], span[1], int(r.approximate), d["confidence"], r.status,
            dumps(r.reasons) if r.reasons else None, r.method, dumps(r.alternatives) if r.alternatives else None,
            d.get("page"))


NEVER = math.inf  # a field's review bound when no threshold puts it in review
ALWAYS = -math.inf  # ... when every threshold does


def review_bound(r: FieldLike) -> float:
    """The threshold above which the field is reviewed: `r.needs_review(t)` is `t > review_bound(r)`."""
    if not r.needs_review(ALWAYS):  # not even when its confidence is under the threshold
        return NEVER if not r.needs_review(NEVER) else r.confidence
    return ALWAYS


def result_rows(result: ResultLike, fields: Mapping[str, FieldLike] | None = None,
                dicts: Mapping[str, dict[str, Any]] | None = None) -> ResultRows:
    """A result as the plain rows the store writes (made where the report was: cheap to send, nothing left to build
    in the process that commits it): its report's keys, what it says of `SAME_REPORT`, its non-empty fields'
    field_data rows in catalogue order, and each one's raw confidence and review bound. `fields` (its
    `catalogued()`) and `dicts` (each one's `as_dict()`): when the caller has made them."""
    from extractor.core.catalogue import catalogue

    doc = result.doc
    if fields is None:
        fields = result.catalogued()
    rows, confidences, bounds = [], [], []
    for i, p in enumerate(catalogue()):
        r = fields.get(p)
        if r is not None and (row := field_row(i, r, None if dicts is None else dicts[p])) is not None:
            rows.append(row)
            confidences.append(r.confidence)
            bounds.append(review_bound(r))
    says = tuple(_plain(fields[p].value) if p in fields else None for p in SAME_REPORT)
    return ResultRows((doc.id, doc.sha256, doc.path, doc.encoding, doc.media_type, result.body_hash), says,
                      result.backend, result.status, dumps(result.notes), tuple(rows), tuple(confidences),
                      tuple(bounds))


