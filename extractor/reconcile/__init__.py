"""Reconcile: every candidate re-checked against the source, the witnesses merged, the fields checked across.

The steps, each usable alone:

    verified = verify_all(candidates, original)   # verify: each candidate at its span, once (`Verified`)
    verified = verified.add(more)                 # more witnesses (a model's answers) verified against the same text
    results = decide(verified)                    # `pick`: one `FieldResult` per field, then `checks.check`
    results = merge(candidates, original)         # both steps at once

A value is `verified` only when original[start:end] == evidence and the evidence re-parses to the value.
Cross-field arithmetic raises or lowers confidence; every lowered confidence carries a reason code
(`core.result`). A source that breaks an identity is reported, never corrected. Pure: no I/O.

Modules: `verification` (a candidate against the original), `pick` (among a field's candidates and witnesses),
`checks` (across fields, the template's identities included); named apart from the functions `verify` and
`merge`, which the package exports under those names.
"""

from __future__ import annotations

from extractor.reconcile.checks import check
from extractor.reconcile.pick import decide, merge
from extractor.reconcile.verification import Checked, Verified, verify, verify_all

__all__ = ["Checked", "Verified", "check", "decide", "merge", "verify", "verify_all"]
