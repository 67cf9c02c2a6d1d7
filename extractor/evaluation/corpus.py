"""A synthetic corpus for scale tests and fuzzing: whole reports in every format with their gold files.

Each report draws random but consistent numbers (channels sum to the total, table identities hold),
is written in one of the formats (narrative, legacy statistics table, standard template 2019/2021 in
any table layout of `synth`), and gets noise: site chrome, a crawler header, a paragraph pasted twice,
traditional script. Its gold file (FIELDS.md format) is generated with it. For scale and robustness
only: never a substitute for the hand-labelled gold.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from extractor.template.synth import LAYOUTS, random_tables, render_report

FORMATS = ("narrative", "legacy_table", "standard_2019", "standard_2021")
# invented prefecture names: a real county-level city (临江市, Jilin) is read as a county through the gazetteer
PLACES = [("清河县", "county"), ("东湖区", "county"), ("云岭市", "prefecture"), ("白沙镇", "township"),
          ("南山县", "county"), ("平原市", "prefecture"), ("青石镇", "township"), ("西岭县", "county")]
CHROME = ["首页 | 政务公开 | 政务服务 | 互动交流 | 走进本地", "当前位置：首页 > 政务公开 > 年度报告",
          "【字体：大 中 小】 【打印本页】 【关闭窗口】", "主办单位：本级人民政府办公室  技术支持：某某网络公司"]
CRAWL = "来源: https://www.example.gov.cn/zwgk/ndbg/{n}.html 抓取时间: 2024-03-01 10:00:00"


@dataclass
class Synthetic:
    name: str
    text: str
    suffix: str
    gold: dict[str, Any]
    fmt: str
    layout: str


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def _s2t_converter() -> _Converter:  # building one loads the dictionaries (a tenth of a second)
    from opencc import OpenCC

    converter: _Converter = OpenCC("s2t")
    return converter


def to_traditional(text: str) -> str:
    return _s2t_converter().convert(text)


def _noise(rng: random.Random, body: str, n: int) -> str:
    lines = []
    if rng.random() < 0.5:
        lines.append(CRAWL.format(n=n))
    lines += rng.sample(CHROME, rng.randint(1, 3))
    tail = rng.sample(CHROME, rng.randint(0, 2))
    return "\n".join(lines) + "\n" + body + "\n" + "\n".join(tail) + "\n"


def _repeat_paragraph(rng: random.Random, text: str) -> str:
    paras = text.split("\n\n")
    prose = [k for k, p in enumerate(paras[:-1]) if k and "。" in p and "|" not in p]  # never inside a table
    if not prose:
        return text
    i = rng.choice(prose)
    return "\n\n".join(paras[:i + 1] + [paras[i]] + paras[i + 1:])  # a paragraph pasted twice, as crawls do


def _numbers(rng: random.Random) -> dict[str, int]:
    website, gazette, weibo, wechat = rng.randint(50, 20000), rng.randint(0, 60), rng.randint(0, 900), rng.randint(0, 900)
    received = rng.choice([0, rng.randint(1, 40), rng.randint(40, 900)])
    return {"proactive.website": website, "proactive.gazette": gazette, "proactive.weibo": weibo,
            "proactive.wechat": wechat, "proactive.total": website + gazette + weibo + wechat,
            "requests.received": received, "appeals.reconsideration_total": rng.choice([0, 0, rng.randint(1, 9)]),
            "appeals.litigation_total": rng.choice([0, 0, rng.randint(1, 5)]), "capacity.staff_total": rng.randint(2, 30)}


def _narrative(rng: random.Random, v: dict[str, int], place: str, year: int) -> str:
    recon = (f"因政府信息公开申请提起行政复议{v['appeals.reconsideration_total']}件"
             if v["appeals.reconsideration_total"] else "未发生因政府信息公开申请提起行政复议的情况")
    litig = (f"提起行政诉讼{v['appeals.litigation_total']}件" if v["appeals.litigation_total"]
             else "没有因政府信息公开申请提起行政诉讼的情况")
    req = (f"全年共收到政府信息公开申请{v['requests.received']}件，均已按时答复。" if v["requests.received"]
           else "全年未收到政府信息公开申请。")
    opening = rng.choice(["全年共主动公开政府信息{t}条", "{y}年主动公开政府信息{t}条", "本年度累计主动公开政府信息{t}条"])
    return (f"{place}{year}年政府信息公开工作年度报告\n\n一、概述\n\n{year}年，{place}人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。\n\n"
            f"二、主动公开政府信息情况\n\n{opening.format(t=v['proactive.total'], y=year)}，其中通过政府网站公开"
            f"{v['proactive.website']}条，政府公报公开{v['proactive.gazette']}条，政务微博发布{v['proactive.weibo']}条，"
            f"政务微信发布{v['proactive.wechat']}条。\n\n三、依申请公开政府信息情况\n\n{req}\n\n"
            f"四、因政府信息公开申请提起行政复议、行政诉讼的情况\n\n{recon}，{litig}。\n\n"
            f"五、政府信息公开工作人员情况\n\n全{rng.choice(['县', '区', '市'])}从事政府信息公开工作人员{v['capacity.staff_total']}人。\n\n"
            "六、存在的主要问题和改进措施\n\n一是公开内容不够全面；二是更新不够及时。\n")


def _legacy(rng: random.Random, v: dict[str, int], place: str, year: int) -> str:
    rows = [("一、主动公开情况", "", ""), ("（一）主动公开政府信息数", "条", v["proactive.total"]),
            ("其中：政府网站公开政府信息数", "条", v["proactive.website"]),
            ("政府公报公开政府信息数", "条", v["proactive.gazette"]),
            ("政务微博公开政府信息数", "条", v["proactive.weibo"]),
            ("政务微信公开政府信息数", "条", v["proactive.wechat"]),
            ("二、依申请公开情况", "", ""), ("（一）收到申请数", "件", v["requests.received"]),
            ("三、行政复议数量", "件", v["appeals.reconsideration_total"]),
            ("四、行政诉讼数量", "件", v["appeals.litigation_total"])]
    rows.insert(0, ("统计指标", "单位", "统计数"))
    if rng.random() < 0.5:  # a cell per line, `|` on its own line between cells
        table = "\n|\n".join(f"{a}\n|\n{b}\n|\n{c}" for a, b, c in rows)
    else:  # a row per line
        table = "\n".join(f"{a} | {b} | {c}" for a, b, c in rows)
    return (f"{place}{year}年政府信息公开工作年度报告\n\n一、概述\n\n{year}年，{place}人民政府扎实推进政府信息公开工作。\n\n"
            f"二、政府信息公开工作人员情况\n\n从事政府信息公开工作人员{v['capacity.staff_total']}人。\n\n"
            f"附表：政府信息公开情况统计表\n{table}\n")


def report(i: int, seed: int = 0, fmt: str | None = None, layout: str | None = None) -> Synthetic:
    """Report number `i` of the corpus drawn with `seed` (the same arguments give the same report)."""
    rng = random.Random(seed * 1_000_003 + i)
    fmt = fmt or rng.choice(FORMATS)
    place, level = rng.choice(PLACES)
    year = rng.randint(2009, 2018) if fmt in ("narrative", "legacy_table") else (2019 if fmt == "standard_2019" else
                                                                                 rng.randint(2021, 2024))
    gold: dict[str, Any] = {"meta.admin_level": level, "meta.report_year": year}
    suffix, lay = ".txt", "-"
    if fmt in ("narrative", "legacy_table"):
        v = _numbers(rng)
        text = (_narrative if fmt == "narrative" else _legacy)(rng, v, place, year)
        gold.update(v)
        gold["meta.format"] = fmt
    else:
        version = fmt.split("_")[1]
        t = random_tables(rng, version, density=rng.choice([0.1, 0.3, 0.6]))
        lay = layout or rng.choice([x for x in LAYOUTS if x != "run_together"] + ["run_together"] * (rng.random() < 0.2))
        text, suffix = render_report(t, lay, body=f"{place}人民政府")
        gold.pop("meta.report_year")  # render_report writes its own year
        gold["meta.format"] = "standard_table"
        gold.update(t.cells())
    if suffix == ".txt":
        text = _repeat_paragraph(rng, text) if rng.random() < 0.3 else text
        text = _noise(rng, text, i)
        if rng.random() < 0.15:
            text = to_traditional(text)
            gold["meta.script"] = "traditional"
    name = f"synth_{seed}_{i:06d}_{fmt}"
    return Synthetic(name, text, suffix, {"report": name + suffix, "fields": gold}, fmt, lay)


def generate(n: int, seed: int = 0) -> Iterator[Synthetic]:
    for i in range(n):
        yield report(i, seed)


def write(out_dir: str, n: int, seed: int = 0, with_gold: bool = True) -> int:
    """Write n reports to OUT/reports and their gold files to OUT (streamed: memory does not grow with n)."""
    os.makedirs(os.path.join(out_dir, "reports"), exist_ok=True)
    for s in generate(n, seed):
        with open(os.path.join(out_dir, "reports", s.name + s.suffix), "w", encoding="utf-8") as fh:
            fh.write(s.text)
        if with_gold:
            with open(os.path.join(out_dir, s.name + ".json"), "w", encoding="utf-8") as fh:
                json.dump(s.gold, fh, ensure_ascii=False, indent=1)
    return n
