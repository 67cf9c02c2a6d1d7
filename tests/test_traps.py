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


def test_channel_counts_in_one_sentence_are_each_their_channel(rules_backend):
    from extractor.ingest.read import from_text
    from extractor.pipeline import process

    text = ("某县2018年政府信息公开工作年度报告\n二、主动公开政府信息情况\n全年共主动公开政府信息11910条，其中通过政府网站公开"
            "10489条，政府公报公开39条，政务微博发布486条，政务微信发布896条。通过微信公众号发布20680批次抽检情况。\n")
    r = process(from_text(text), rules_backend)
    assert [r.value(f"proactive.{c}") for c in ("total", "website", "gazette", "weibo", "wechat")] == \
        [11910, 10489, 39, 486, 896]
    assert r.fields["proactive.wechat"].evidence == "政务微信发布896条"


def test_a_cell_per_line_table_ends_at_a_blank_line(rules_backend):
    from extractor.ingest.read import from_text
    from extractor.pipeline import process

    cells = ["统计指标", "单位", "统计数", "（一）主动公开政府信息数", "条", "120", "其中：政府网站公开政府信息数", "条", "100",
             "三、行政复议数量", "件", "2", "四、行政诉讼数量", "件", "0"]
    text = "某县2012年政府信息公开工作年度报告\n附表：政府信息公开情况统计表\n" + "\n|\n".join(cells) + "\n\n网站地图 | 联系我们\n"
    r = process(from_text(text), rules_backend)
    assert r.value("appeals.litigation_total") == 0 and r.value("appeals.reconsideration_total") == 2
    assert r.fields["appeals.litigation_total"].evidence.endswith("件\n|\n0")
