from extractor.text.clean import clean
from extractor.text.sections import find_sections


def test_view_maps_back_to_original():
    original = "根據《條例》，２０１１年全縣共主動公開政府信息１９４４９條。"
    c = clean(original)
    i = c.body.text.index("19449")
    ev, (s, e) = c.body.evidence(i, i + 6)
    assert ev == "１９４４９條" and original[s:e] == ev


def test_chrome_and_duplicates_left_out():
    text = ("您好,今天是: |\n一、概述\n" + "这是一个很长的正文段落，说明了主动公开的情况和做法。\n"
            + "二、问题\n" + "这是一个很长的正文段落，说明了主动公开的情况和做法。\n相關詞條\n")
    c = clean(text)
    assert "您好" not in c.body.text and "相关词条" not in c.body.text
    assert c.body.text.count("这是一个很长的正文段落") == 1
    assert "您好" in c.full.text


def test_inline_headings_are_found_and_classified():
    text = "报告如下。一、总体情况2019年，我区…。二、主动公开政府信息情况 …。三、收到和处理政府信息公开申请情况 …。五、存在的主要问题及改进情况2019年"
    kinds = [(s.level, s.kind) for s in find_sections(text)]
    assert (1, "overview") in kinds and (1, "proactive") in kinds and (1, "problems") in kinds
    assert (1, "standard_table") in kinds


def test_table_rows_are_not_joined_as_soft_wraps_nor_their_cells_dropped_as_repeats():
    """A report of same-length lines looks hard-wrapped; its table rows (`|`) still keep their line breaks, and the
    cells that repeat (`|`, `件`, `0`) are not headings pasted twice, even beside a repeated navigation bar."""
    nav = "首页 | 政务公开 | 政务服务 | 互动交流 | 走进本地"
    rows = [f"（{n}）某项政府信息公开统计数 | 条 | {v}" for n, v in zip("一二三四五六七八九十", range(101, 111), strict=True)]
    text = nav + "\n统计表\n" + "\n".join(rows) + "\n|\n件\n|\n0\n\n" + nav + "\n"
    body = clean(text).body.text
    assert "101\n(二)" in body and "110\n" in body  # each row still a line of its own
    assert "|\n件\n|\n0" in body  # the last cells kept
    assert "首页" not in body  # the navigation bar is chrome, at either end


def test_a_breadcrumb_is_chrome_but_a_sentence_about_the_home_page_is_not():
    body = clean("当前位置：首页 > 政务公开 > 年度报告\n首页是政府网站公开信息的重要入口。\n").body.text
    assert "年度报告" not in body and "首页是政府网站" in body
