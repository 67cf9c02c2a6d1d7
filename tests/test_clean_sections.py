from extractor.clean import clean
from extractor.sections import find_sections


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
