"""Traps from the labelled reports: each is a way a naive extractor goes wrong."""


def test_website_investment_is_not_the_budget(bundled_results):
    r = bundled_results["000_8dca62f7a151a3a2.txt"]
    assert "360萬元" in r.doc.original
    assert r.value("capacity.budget_yuan") is None


def test_unmentioned_count_is_null_not_zero(bundled_results):
    r = bundled_results["000_8dca62f7a151a3a2.txt"]
    assert r.value("capacity.staff_total") is None
    assert r.value("proactive.weibo") is None


def test_traditional_no_reconsideration_is_zero(bundled_results):
    r = bundled_results["000_8dca62f7a151a3a2.txt"]
    f = r.fields["appeals.reconsideration_total"]
    assert f.value == 0 and f.status == "verified"
    assert "行政複議" in f.evidence and "沒有" in f.evidence


def test_spending_on_disclosure_is_not_a_fee_charged(bundled_results):
    r = bundled_results["003_pingtan_local_tax_bureau_2013.txt"]
    assert "政府信息公开费用1万元" in r.doc.original
    assert r.value("fees.charged_yuan") is None


def test_budget_in_wan_yuan_is_converted(bundled_results):
    r = bundled_results["001_ada6bcccffd3deee.txt"]
    assert r.value("capacity.budget_yuan") == 700000


def test_repeated_sections_count_once(bundled_results):
    r = bundled_results["000_8dca62f7a151a3a2.txt"]
    f = r.fields["requests.received"]
    assert f.value == 2 and "multiple_candidates" not in f.reasons


def test_blank_table_cell_is_null(bundled_results):
    r = bundled_results["001_ada6bcccffd3deee.txt"]
    assert r.value("proactive.gazette") is None  # 政府公报公开政府信息数 | 条 | (blank)


def test_combined_row_zero_sets_both(bundled_results):
    r = bundled_results["007_pingtan_zone_2014_oldstyle_spaced_table.txt"]
    assert r.value("fees.waived_yuan") == 0
    assert r.value("requests.fax") is None  # 信函、传真 = 1 says nothing about fax alone
