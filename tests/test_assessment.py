"""assessment.problems / improvements as reports write them: generated section texts, then a few traps.

Each generated report draws its problems and measures, the way they are enumerated (一是… / （一）… / 1、… /
(1)… / 第一，… / 首先…其次… / 一方面…另一方面… / clauses separated by ；/ one run-on sentence / 存在A、B等问题),
the words that introduce them, the headings and what follows the section, and the items must come back exactly.
"""

from __future__ import annotations

import random
import unicodedata

import pytest

from extractor.rules import assessment
from extractor.rules.common import Context
from extractor.text.clean import clean
from extractor.text.script import s2t_table

PROBLEMS = [
    "政务公开意识有待进一步增强", "信息发布还不够及时", "公开内容不够全面", "政策解读形式比较单一",
    "依申请公开办理程序不够规范", "工作人员业务能力有待提高", "网站栏目更新不够及时", "基层政务公开标准化建设相对滞后",
    "信息公开载体有待进一步拓宽", "公众参与度不高", "监督考核机制不够健全", "部分单位对政务公开工作重视不够",
]
MEASURES = [
    "进一步加强政策解读工作", "加大信息公开力度", "完善政府信息公开工作制度", "加强业务培训", "拓宽信息公开渠道",
    "强化监督考核", "规范依申请公开办理流程", "丰富政务新媒体发布内容", "健全政务舆情回应机制", "优化政府网站栏目设置",
    "深化重点领域信息公开", "严格落实保密审查制度",
]
CN = "一二三四五六七八九十"
# (opener of point i, separator after a point): 一是… / （一）… / 1、… / 1. / (1) / 第一， / 首先… / 一方面…
ENUMERATORS = [
    (lambda i: f"{CN[i]}是", "；"), (lambda i: f"{CN[i]}是", "。"), (lambda i: f"（{CN[i]}）", "。"),
    (lambda i: f"{i + 1}、", "。"), (lambda i: f"{i + 1}.", "；"), (lambda i: f"（{i + 1}）", "。"),
    (lambda i: f"第{CN[i]}，", "；"), (lambda i: ["首先，", "其次，", "再次，", "最后，"][i], "。"),
]
PAIR = (lambda i: ["一方面，", "另一方面，"][i], "；")
PROBLEM_INTROS = ["", "但仍存在一些不足，主要表现在：", "对照新要求，我单位政务公开工作还存在一些问题：",
                  "一年来工作虽取得一定成效，但还存在以下问题：", "2023年，我县政务公开工作取得了一定成效，但还存在一些不足。主要是"]
LONG_PROBLEMS = ["政策解读质量仍需提升，个别单位解读内容简单、形式单一", "队伍建设还需加强，人员流动性较大"]
LONG_MEASURES = ["加强业务培训，提高工作人员业务水平", "完善信息发布审核机制，确保信息准确"]
EXPLANATIONS = ["定期组织专题学习和业务交流。", "由办公室牵头抓好落实。", "确保各项工作落到实处。"]
MEASURE_INTROS = ["下一步，我们将", "今后，我局将", "针对上述问题，", "对此，", "2024年，我们将从以下方面加以改进：",
                  "在今后工作中，我们将采取以下措施：", "下一步，我们将重点做好以下工作："]
HEADINGS_BOTH = ["五、存在的主要问题及改进情况", "六、存在的问题和改进措施", "五、工作中存在的不足和下一步打算",
                 "五、政府信息公开工作存在的主要问题和改进措施", "五、存在的主要问题及改进情况。", "六、存在的问题和改进措施："]
BEFORE = ("某某县人民政府2023年政府信息公开工作年度报告\n一、总体情况\n2023年，我县主动公开政府信息1234条。\n"
          "二、主动公开政府信息情况\n通过政府网站公开信息980条。\n三、收到和处理政府信息公开申请情况\n全年收到申请5件。\n"
          "四、政府信息公开行政复议、行政诉讼情况\n未发生行政复议。\n")
AFTERS = ["", "\n某某县人民政府办公室\n2024年1月20日\n", "\n七、其他需要报告的事项\n无。\n",
          "\n六、政府信息公开情况统计表\n指标名称|计量单位|数量\n主动公开政府信息数|条|1234\n依申请公开数|件|5\n",
          "\n附件：政府信息公开情况统计表\n指 标 单位 数量\n主动公开信息数 条 1234\n"]


def _nfkc(items: list[str]) -> list[str]:
    return [unicodedata.normalize("NFKC", i) for i in items]


def _enumerated(items: list[str], style, rng: random.Random, explain: bool = False) -> str:
    """Points in one style; a measure may carry a sentence of explanation after its headline."""
    opener, sep = style
    joiner = rng.choice(["", "\n", " "])
    points = []
    for i, x in enumerate(items):
        tail = "。" + rng.choice(EXPLANATIONS) if explain and rng.random() < 0.5 else sep
        points.append(f"{opener(i)}{x}{tail}")
    return joiner.join(points)


def _problems_text(items: list[str], rng: random.Random) -> str:
    form = rng.choice(["enum", "enum", "semicolon", "embedded", "pair"])
    if form != "embedded" and rng.random() < 0.4:
        items[0] = rng.choice(LONG_PROBLEMS)  # a problem of two clauses
    if form == "embedded":
        tail = rng.choice(["等问题", "等不足", "等方面的问题"])
        return f"对照新要求，我县政务公开工作还存在{'、'.join(items)}{tail}，与群众期盼还有一定差距。"
    intro = rng.choice(PROBLEM_INTROS) or "主要表现在："
    if form == "semicolon":
        return intro + "；".join(items) + "。"
    if intro.endswith("主要是"):
        intro += "："  # 主要是：一是…
    if form == "pair":
        return intro + _enumerated(items[:2], PAIR, rng)
    return intro + _enumerated(items, rng.choice(ENUMERATORS), rng)


def _measures_text(items: list[str], rng: random.Random) -> str:
    form = rng.choice(["enum", "enum", "semicolon", "runon", "sentences"])
    if rng.random() < 0.4:
        items[-1] = rng.choice(LONG_MEASURES)  # a measure with the clause that carries it on (提高…/确保…)
    intro = rng.choice(MEASURE_INTROS)
    if form == "enum":
        lead = intro if intro.endswith("：") else intro + "做好以下工作："
        return lead + rng.choice(["", "\n"]) + _enumerated(items, rng.choice(ENUMERATORS), rng, explain=True)
    if form == "semicolon":
        return intro + "；".join(items) + "。"
    if form == "runon":
        return intro + "，".join(items) + "。"
    return intro + items[0] + "。" + "。".join(f"同时{x}" if i == 0 else x for i, x in enumerate(items[1:])) + "。"


def _report(rng: random.Random) -> tuple[str, list[str], list[str]]:
    problems = rng.sample(PROBLEMS, rng.randint(2, 4))
    measures = rng.sample(MEASURES, rng.randint(2, 4))
    ptext = _problems_text(problems, rng)
    if "另一方面" in ptext:
        problems = problems[:2]
    mtext = _measures_text(measures, rng)
    layout = rng.choice(["one", "one", "two", "sub"])
    if layout == "two":
        body = f"五、存在的主要问题\n{ptext}\n六、改进措施\n{mtext}"
    elif layout == "sub":
        body = f"{rng.choice(HEADINGS_BOTH)}\n（一）存在的问题：{ptext}\n（二）改进措施：{mtext}"
    else:
        body = rng.choice(HEADINGS_BOTH) + rng.choice(["\n", " ", ""]) + ptext + rng.choice(["", "\n"]) + mtext
    text = BEFORE + body + rng.choice(AFTERS)
    if rng.random() < 0.3:
        text = unicodedata.normalize("NFKC", text)  # ASCII punctuation
    if rng.random() < 0.3:
        s2t = s2t_table()
        text = "".join(s2t.get(ch, ch) for ch in text)  # a traditional-script mirror: the items come back simplified
    return text, problems, measures


def _read(text: str) -> dict[str, object]:
    return {c.path: c for c in assessment.extract(Context(clean(text)))}


@pytest.mark.parametrize("seed", range(300))
def test_generated_sections_come_back_item_by_item(seed: int) -> None:
    rng = random.Random(seed)
    text, problems, measures = _report(rng)
    got = _read(text)
    assert "assessment.problems" in got and "assessment.improvements" in got, text
    assert got["assessment.problems"].value == _nfkc(problems), text
    assert got["assessment.improvements"].value == _nfkc(measures), text
    for c in got.values():
        assert c.confidence < 0.7  # every list goes to review


def test_a_bare_label_runs_on_into_its_explanation() -> None:
    text = BEFORE + "六、工作存在的主要问题及下步打算\n1、加强学习。不断提高业务水平。\n2、严格按照规定及时公开信息。\n"
    got = _read(text)
    assert got["assessment.improvements"].value == ["加强学习,不断提高业务水平", "严格按照规定及时公开信息"]
    assert "assessment.problems" not in got


def test_a_problem_keeps_its_explanation_sentence() -> None:
    text = BEFORE + "五、主要问题和改进措施\n一是工作基础需进一步夯实。单位整合后经办人员变动较大。二是公开范围有待拓展。\n"
    got = _read(text)
    assert got["assessment.problems"].value == ["工作基础需进一步夯实,单位整合后经办人员变动较大", "公开范围有待拓展"]


def test_an_unenumerated_list_is_below_the_review_threshold() -> None:
    text = BEFORE + "五、存在的问题及改进措施\n工作中存在以下主要问题：公开内容不全面；信息共享机制不够健全。\n"
    c = _read(text)["assessment.problems"]
    assert c.value == ["公开内容不全面", "信息共享机制不够健全"]
    assert c.confidence < 0.7


def test_no_heading_and_no_table_text_become_items() -> None:
    for seed in range(60):
        rng = random.Random(1000 + seed)
        text, _, _ = _report(rng)
        for c in _read(text).values():
            for item in c.value:
                assert not any(w in item for w in ("存在的主要问题", "改进措施", "改进情况", "下一步打算", "存在的问题"))
                assert not any(w in item for w in ("指标", "计量单位", "统计表", "1234", "人民政府办公室", "2024年1月"))


def test_measures_only_and_no_section() -> None:
    only = BEFORE + "五、存在的问题及改进情况\n（一）继续加大公开力度。\n（二）继续拓宽公开渠道。\n六、其他需要报告的事项\n无。\n"
    got = _read(only)
    assert got["assessment.improvements"].value == ["继续加大公开力度", "继续拓宽公开渠道"]
    assert "assessment.problems" not in got
    none = BEFORE + "五、其他需要报告的事项\n群众反映的问题均已及时处理，今后将继续做好相关工作。\n"
    assert _read(none) == {}


def test_items_stay_inside_the_section() -> None:
    text = (BEFORE + "五、存在的主要问题\n一是信息发布还不够及时；二是公开内容不够全面。\n"
            "六、其他需要报告的事项\n一是加强组织领导。二是完善工作制度。\n")
    got = _read(text)
    assert got["assessment.problems"].value == ["信息发布还不够及时", "公开内容不够全面"]
    assert "assessment.improvements" not in got


FORMS = [
    # 如A、B、C等: a problem list inside one sentence
    ("五、存在的主要问题及改进情况\n对照新要求，我区政务公开工作仍存在一些不足，如依申请公开规范性还有待提高、公开内容的深度还有待提升、"
     "队伍建设有待加强等。",
     ["依申请公开规范性还有待提高", "公开内容的深度还有待提升", "队伍建设有待加强"], None),
    # the numbering starts again: problems, then measures, with no word between
    ("五、存在的问题和改进措施\n一是公开内容不够全面；二是更新不够及时。一是加强内容建设；二是完善更新机制。",
     ["公开内容不够全面", "更新不够及时"], ["加强内容建设", "完善更新机制"]),
    # an inline label opens the measures
    ("五、存在的问题及改进措施\n工作中存在以下主要问题：公开内容不全面；共享机制不够健全等。改进措施：认清形势，找准定位，"
     "以公开促进服务水平的提高。",
     ["公开内容不全面", "共享机制不够健全"], ["认清形势,找准定位,以公开促进服务水平的提高"]),
    # a problems-only heading whose last sentence opens the measures; measures as sentences
    ("六、存在的主要问题\n主要是信息发布还不够及时。对此，我们加强对工作人员的培训，并尝试新媒体的应用。同时制定公开目录指引。",
     ["信息发布还不够及时"], ["加强对工作人员的培训,并尝试新媒体的应用", "制定公开目录指引"]),
    # problems in the preamble, measures enumerated, no intro word
    ("五、存在的主要问题及改进情况\n我厅还存在内容不够充实、形式不够多样等问题。一是强化统筹推进。二是健全完善政务公开制度。",
     ["内容不够充实", "形式不够多样"], ["强化统筹推进", "健全完善政务公开制度"]),
    # a run-on sentence of measures cut at each measure verb; 提高… carries the item on
    ("五、存在的主要问题及改进情况\n一方面，工作机制还要进一步完善；另一方面，宣传力度不够。2013年我们将针对存在的问题，加大信息公开力度，"
     "提高群众知晓率，加强业务培训，提高工作能力。",
     ["工作机制还要进一步完善", "宣传力度不够"], ["加大信息公开力度,提高群众知晓率", "加强业务培训,提高工作能力"]),
]


@pytest.mark.parametrize(("section", "problems", "measures"), FORMS)
def test_forms(section: str, problems: list[str], measures: list[str] | None) -> None:
    got = _read(BEFORE + section + "\n")
    assert got["assessment.problems"].value == problems
    if measures is None:
        assert "assessment.improvements" not in got
    else:
        assert got["assessment.improvements"].value == measures
