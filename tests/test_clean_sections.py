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


def _table_by_lines(path: str) -> dict[str, str]:
    """The former `script._load_table`: the file read line by line, each split on its tabs."""
    table: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                first = parts[1].split(" ")[0]
                if len(first) == 1:
                    table[parts[0]] = first
    return table


def test_the_script_tables_are_read_as_line_by_line(tmp_path, monkeypatch):
    """OpenCC's character tables, read whole and split once, are what reading them line by line gives (same pairs, same
    order): for the shipped tables and generated ones (several tabs, spaces, multi-character keys and values, CR, a
    last line without its newline, repeated keys)."""
    import os
    import random

    from extractor.text import script

    for name in ("TSCharacters.txt", "STCharacters.txt"):
        path = os.path.join(script._opencc_dir(), name)
        assert list(script._load_table(name).items()) == list(_table_by_lines(path).items())
    rnd = random.Random(3)
    pieces = ["a", "b", "乾", "幹", "干", "ab", "", " ", "\t", "\r", "\u2028", "\x85"]
    monkeypatch.setattr(script, "_opencc_dir", lambda: str(tmp_path))
    for n in range(300):
        lines = ["".join(rnd.choices(pieces, k=rnd.randint(0, 6))) for _ in range(rnd.randint(0, 8))]
        (tmp_path / "t.txt").write_bytes(("\n".join(lines) + rnd.choice(["", "\n"])).encode("utf-8"))
        assert list(script._load_table("t.txt").items()) == list(_table_by_lines(str(tmp_path / "t.txt")).items()), n
