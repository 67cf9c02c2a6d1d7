"""The invariant: every verified value's evidence is at its span and re-parses to the value."""

from extractor.core.catalogue import catalogue
from extractor.reconcile.verification import _norm_text
from extractor.text.numbers import reparse, values_equal


def assert_grounded(result) -> int:
    original = result.doc.original
    n = 0
    for path, f in result.fields.items():
        if f.status != "verified":
            continue
        s, e = f.span
        assert original[s:e] == f.evidence, (path, f.evidence)
        kind = catalogue()[path].kind
        if kind in ("int", "yuan"):
            parsed = reparse(f.evidence, kind)
            assert parsed is not None and values_equal(parsed.value, f.value), (path, f.evidence, f.value)
        elif kind == "text":
            assert _norm_text(f.value) in _norm_text(f.evidence)
        elif kind == "list":
            assert all(_norm_text(i) in _norm_text(f.evidence) for i in f.value)
        n += 1
    return n


def test_every_verified_value_is_grounded(bundled_results):
    total = sum(assert_grounded(r) for r in bundled_results.values())
    assert total > 100  # the check ran on a real number of values


def test_tampered_evidence_is_not_verified(bundled_results):
    from extractor.core.candidates import Candidate
    from extractor.reconcile import verify

    r = bundled_results["000_8dca62f7a151a3a2.txt"]
    f = r.fields["proactive.total"]
    good = Candidate("proactive.total", f.value, f.evidence, f.span)
    assert verify(good, r.doc.original)[0] == "verified"
    moved = Candidate("proactive.total", f.value, f.evidence, (f.span[0] + 1, f.span[1] + 1))
    assert verify(moved, r.doc.original) == ("unverified", ["evidence_not_at_span"])
    wrong_number = Candidate("proactive.total", 19448, f.evidence, f.span)
    assert verify(wrong_number, r.doc.original) == ("unverified", ["number_not_in_evidence"])
    invented = Candidate("proactive.total", 5, "共公开5条", (0, 5))
    assert verify(invented, r.doc.original) == ("unverified", ["evidence_not_in_source"])
