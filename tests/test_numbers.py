import pytest

from extractor.text.numbers import parse_cn_numeral, quantities, reparse
from extractor.text.script import fold


@pytest.mark.parametrize(
    "text,kind,value,approx",
    [
        ("全县共主动公开政府信息19449条", "int", 19449, False),
        ("5500 余条", "int", 5500, True),
        ("140多条", "int", 140, True),
        ("近300人", "int", 300, True),
        ("约50次", "int", 50, True),
        ("430余人次", "int", 430, True),
        ("1.2万条", "int", 12000, False),
        ("两起", "int", 2, False),
        ("一篇", "int", 1, False),
        ("三名", "int", 3, False),
        ("二十三件", "int", 23, False),
        ("１２３４条", "int", 1234, False),
        ("12,345条", "int", 12345, False),
        ("70万元", "yuan", 700000, False),
        ("万元\n|\n70", "yuan", 700000, False),
        ("信息处理费 3940 元", "yuan", 3940, False),
        ("收费 24252.311082万元", "yuan", 242523110.82, False),
        ("受理政府信息公开申请0宗", "int", 0, False),
        ("2011年沒有發生政府信息公開的收費", "yuan", 0, False),
        ("未收到政府信息公开申请", "int", 0, False),
        ("申请信息公开的人次为零", "int", 0, False),
    ],
)
def test_reparse(text, kind, value, approx):
    parsed = reparse(text, kind)
    assert parsed is not None
    assert parsed.value == pytest.approx(value)
    assert parsed.approximate is approx


@pytest.mark.parametrize("text", ["2011年", "20086月成立", "1、健全公开制度", "第3期", "一是加强领导", "统一要求"])
def test_not_quantities(text):
    assert [q for q in quantities(fold(text)) if not q.is_percent] == []


def test_percent_is_not_a_count():
    assert reparse("占信息总数的91.89%", "int") is None


@pytest.mark.parametrize("s,n", [("二〇一一", 2011), ("一百二十三", 123), ("两千", 2000), ("三万五千", 35000), ("十五", 15)])
def test_cn_numerals(s, n):
    assert parse_cn_numeral(s) == n


def test_negative_value():
    assert reparse("本年增/减 -18", "int").value == -18
