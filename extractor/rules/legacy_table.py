"""The old 政府信息公开情况统计表 (about 2014-2018): rows found by their wording, values by column.

Three layouts occur in scrapes: `|` between cells with one cell per line, one row per line with
`|` between cells, and cells separated by spaces in one long line. Each becomes a flat list of
cells (a blank cell between two pipes is kept: a blank cell is null, not 0); a row starts at a
cell that reads as a label; its value is the cell under the header's count column (数量, 本年,
2014年度…), or the first cell after the unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.core.candidates import Candidate
from extractor.rules.common import Context, candidate_from_view

UNIT_CELL = re.compile(r"^(?:条|件|个|人|次|人次|万元|元|篇|项|期|场|份|家|——|—|-|/)$")
VALUE_CELL = re.compile(r"^(?:-?\d[\d,]*(?:\.\d+)?|无|0)$")
HEADER_COUNT = re.compile(r"^(?:数量|数值|本年|本年度|合计|统计数|\d{4}年度?|本年数)$")
HEADER_UNIT = re.compile(r"^(?:单位|计量单位)$")
TABLE_START = re.compile(r"(?:统计表|明细表|情况表|统计数据)[^。\n]{0,40}?(?=\s*\|?\s*(?:指\s*标|项\s*目|统计指标))|指\s*标(?:名称)?\s*\|?\s*(?:计量)?单\s*位")

BLANK = ""


@dataclass
class Cell:
    text: str
    start: int  # view offsets
    end: int


# (label pattern, path or paths, flags). Checked in order; the first match wins.
LABELS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(p), tuple(paths.split()))
    for p, paths in [
        (r"主动公开规范性文件", "proactive.normative_documents"),
        (r"制发规范性文件", ""),
        (r"主动公开(?:政府)?(?:信息|文件)(?:总)?数|主动公开数", "proactive.total"),
        (r"政府公报公开", "proactive.gazette"),
        (r"政府网站公开", "proactive.website"),
        (r"政务微博公开", "proactive.weibo"),
        (r"政务微信公开", "proactive.wechat"),
        (r"其他方式公开", "proactive.other_channels"),
        (r"主要负责同志", ""),
        (r"回应公众关注热点|重大舆情数", "proactive.hot_topic_responses"),
        (r"新闻发布会(?:总)?次数", "proactive.press_conferences"),
        (r"在线访谈(?:总)?次数", "proactive.online_interviews"),
        (r"政策解读(?:稿件)?(?:发布)?数", "proactive.policy_interpretations"),
        (r"收到申请(?:总)?数|受理" + r"[^|]{0,10}申请[^|]{0,6}(?:总)?数|申请总数", "requests.received"),
        (r"信函[、和及/]传真申请|传真[、和及/]信函申请", "requests.letter requests.fax"),
        (r"当面申请", "requests.in_person"),
        (r"传真申请", "requests.fax"),
        (r"网络申请|网上申请|电子邮件申请|互联网申请", "requests.online"),
        (r"信函申请", "requests.letter"),
        (r"按时办结", "requests.completed_on_time"),
        (r"延期办结", "requests.completed_late"),
        (r"申请答复(?:总)?数|答复总数", "requests.handled_total"),
        (r"已主动公开范围", "requests.already_public"),
        (r"同意部分公开", "requests.partially_disclosed"),
        (r"不同意公开|不予公开答复|不予公开数", "requests.denied"),
        (r"同意公开", "requests.disclosed"),
        (r"不属于本(?:行政)?机关", "requests.not_this_agency"),
        (r"申请信息不存在|信息不存在数", "requests.not_exist"),
        (r"其他类型答复|其他答复", "requests.other_handling"),
        (r"行政诉讼[、和及]举报|诉讼[、和及]举报", "appeals.litigation_total appeals.complaints"),
        (r"行政复议(?:数量|数|案件数)", "appeals.reconsideration_total"),
        (r"行政诉讼(?:数量|数|案件数)", "appeals.litigation_total"),
        (r"举报投诉(?:数量|数)|投诉(?:数量|数)|申诉[、和及]?举报(?:数量|数)", "appeals.complaints"),
        (r"维持具体行政行为|驳回原告", "@upheld"),
        (r"被依法纠错|纠错数", "@corrected"),
        (r"其他情形", "@other"),
        (r"收费减免|收费及减免", "fees.charged_yuan fees.waived_yuan"),
        (r"减免(?:的)?(?:费用|金额)", "fees.waived_yuan"),
        (r"收取的费用|收费金额|收取费用|依申请公开[^|]{0,8}费用", "fees.charged_yuan"),
        (r"专门机构数", "capacity.dedicated_units"),
        (r"查阅点数|查阅场所数", "capacity.reading_points"),
        (r"专职人员", "capacity.staff_full_time"),
        (r"兼职人员", "capacity.staff_part_time"),
        (r"(?:从事|负责)[^|]{0,12}工作人员数|工作人员(?:总)?数", "capacity.staff_total"),
        (r"专项经费", "capacity.budget_yuan"),
        (r"工作会议|专题会议", "capacity.meetings"),
        (r"接受培训人员|培训人员数|培训人次|参加培训人数", "capacity.trainees"),
        (r"培训班数|培训(?:次数|期数)", "capacity.trainings"),
    ]
]
PARENTS = [(re.compile(r"行政复议"), "appeals.reconsideration"), (re.compile(r"行政诉讼"), "appeals.litigation")]
YUAN_PATHS = {"fees.charged_yuan", "fees.waived_yuan", "capacity.budget_yuan"}


def find_region(ctx: Context) -> tuple[int, int] | None:
    text = ctx.body.text
    m = TABLE_START.search(text)
    if not m:
        return None
    start = m.start()
    stop = text.find("。", m.end())
    end = len(text) if stop < 0 else stop
    return start, end


def _cells(text: str, start: int, end: int) -> list[Cell]:
    region = text[start:end]
    pipes = region.count("|")
    own_line = len(re.findall(r"(?m)^\s*\|\s*$", region))
    cells: list[Cell] = []
    if pipes >= 5 and own_line >= pipes * 0.6:
        # one cell per line, `|` on its own line between cells
        pos = start
        for piece in region.split("|"):
            end_of_table = re.search(r"\S[ \t]*\n\s*\n", piece)  # a blank line after a cell: the table ended
            if end_of_table:
                piece = piece[: end_of_table.start() + 1]
            stripped = piece.strip()
            if stripped:
                off = piece.index(stripped)
                cells.append(Cell(stripped, pos + off, pos + off + len(stripped)))
            else:
                cells.append(Cell(BLANK, pos, pos))
            if end_of_table:
                break
            pos += len(piece) + 1
        return cells
    if pipes >= 5:
        pos = start
        for line in region.split("\n"):
            if "|" in line:
                lp = pos
                for piece in line.split("|"):
                    stripped = piece.strip()
                    off = piece.index(stripped) if stripped else 0
                    cells.append(Cell(stripped, lp + off, lp + off + len(stripped)))
                    lp += len(piece) + 1
            else:
                for m in re.finditer(r"\S+", line):
                    cells.append(Cell(m.group(0), pos + m.start(), pos + m.end()))
            pos += len(line) + 1
        return cells
    for m in re.finditer(r"[^\s|]+", region):
        cells.append(Cell(m.group(0), start + m.start(), start + m.end()))
    return cells


def _is_label(cell: Cell) -> bool:
    t = cell.text
    return bool(t) and bool(re.search(r"[\u4e00-\u9fff]", t)) and not UNIT_CELL.match(t) and not VALUE_CELL.match(t)


def _label_paths(label: str, parent: str | None) -> tuple[str, ...]:
    clean = re.sub(r"^(?:其中\s*:?\s*)?(?:[(][一二三四五六七八九十\d]+[)]|[一二三四五六七八九十]+、|\d+[、.])?\s*", "", label)
    for rx, paths in LABELS:
        if rx.search(clean):
            if paths and paths[0].startswith("@"):
                return (f"{parent}_{paths[0][1:]}",) if parent else ()
            return paths
    return ()


def extract(ctx: Context) -> list[Candidate]:
    region = find_region(ctx)
    if region is None:
        return []
    ctx.table_regions.append(region)
    text = ctx.body.text
    cells = _cells(text, *region)
    # The header row tells which cell after the label holds this year's count.
    value_offset = None
    for i, c in enumerate(cells[:12]):
        if HEADER_UNIT.match(c.text.replace(" ", "")):
            for j in range(i + 1, min(i + 4, len(cells))):
                if HEADER_COUNT.match(cells[j].text.replace(" ", "")):
                    value_offset = j - i + 1
                    break
            break
    out: list[Candidate] = []
    parent: str | None = None
    i = 0
    while i < len(cells):
        cell = cells[i]
        if not _is_label(cell):
            i += 1
            continue
        j = i + 1
        while j < len(cells) and not _is_label(cells[j]):
            j += 1
        vals = cells[i + 1 : j]
        for rx, p in PARENTS:
            if rx.search(cell.text) and re.search(r"数量|数$|案件", cell.text):
                parent = p
        paths = _label_paths(cell.text, parent)
        value = None
        if value_offset is not None and len(vals) >= value_offset - 1 >= 0 and value_offset - 1 < len(vals):
            value = vals[value_offset - 1]
        else:
            value = next((v for v in vals if v.text == BLANK or VALUE_CELL.match(v.text)), None)
        if paths and value is not None and value.text != BLANK and VALUE_CELL.match(value.text):
            for path in paths:
                kind = "yuan" if path in YUAN_PATHS else "int"
                c = candidate_from_view(ctx.body, path, cell.start, value.end, kind, "table", f"table row {cell.text[:30]}", 0.95)
                if c is None:
                    continue
                if len(paths) > 1:
                    if c.value != 0:
                        continue  # a row joining two categories says nothing about each unless it is 0
                    c.reasons.append("combined_row")
                out.append(c)
        i = j
    return out
