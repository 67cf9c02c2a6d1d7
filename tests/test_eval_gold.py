"""The acceptance figures of the foundation issue, measured on the bundled gold (rules backend)."""

import os

from extractor.evaluation.evaluate import run_eval
from extractor.evaluation.scoring import list_f1, score_value

from .conftest import GOLD


def test_seed_accuracy(rules_backend):
    summary = run_eval([os.path.join(GOLD, "seed")], rules_backend).summary
    assert len(summary.scores) > 100
    assert summary.accuracy() >= 0.90


def test_dev_reports_without_standard_tables(rules_backend):
    summary = run_eval([os.path.join(GOLD, "dev")], rules_backend).summary
    rows = [r for r in summary.scores if r.fmt != "standard_table"]
    assert len(rows) > 50
    assert summary.accuracy(rows) >= 0.80


def test_scoring_rules():
    assert score_value("meta.issuing_body", {"any_of": ["清新县政府", "清新县人民政府"]}, "清新縣人民政府") == 1.0
    assert score_value("requests.received", 0, None) == 0.0
    assert score_value("requests.received", None, 0) == 0.0
    assert score_value("capacity.budget_yuan", 700000, 700000.0) == 1.0
    assert list_f1(["加强培训", "完善机制"], ["加强培训工作"]) == 2 * (1 * 0.5) / 1.5
