"""Live assist's offers (domain/live_assist.py): phones and addresses spoken, categories and
emergencies from the hot topics, the words to search the knowledge base with; only from what
the citizen said, never filled in by themselves."""

import pytest

from callcenter.domain.live_assist import LiveLine, addresses_in, phones_in, suggest
from callcenter.domain.topics import Topic, TopicsError, parse_topics

TOPICS = [Topic("供暖", ("暖气", "不热")), Topic("漏水", ("漏水",)),
          Topic("燃气泄漏", ("煤气味", "漏气"), emergency=True)]


def line(text, n=0, speaker="citizen", final=True, start=0.0):
    return LiveLine("1700000000.1", speaker, n, text, final, start, start + 1.0)


@pytest.mark.parametrize(("said", "numbers"), [
    ("我的电话是幺三八 一二三四 五六七八", ["13812345678"]),
    ("电话 13912345678 谢谢", ["13912345678"]),
    ("座机 零二四 八八六六五五四四", ["02488665544"]),
    ("八八六六五五四四", ["88665544"]),
    ("三楼 五号", []),  # numbers, not a phone
    ("一二三四五六", []),  # six digits: too short for any phone
])
def test_phone_numbers_are_read_in_digits_or_chinese_numerals(said, numbers):
    assert phones_in(said) == numbers


@pytest.mark.parametrize(("said", "places"), [
    ("我住在幸福路十二号三单元五零一室 暖气不热", ["幸福路十二号三单元五零一室"]),
    ("阳光小区三栋", ["阳光小区三栋"]),
    ("地址是 和平 大街 5号", ["和平大街5号"]),
    ("暖气不热", []),
])
def test_addresses_are_a_road_street_or_estate_with_its_numbers(said, places):
    assert addresses_in(said) == places


def test_offers_come_from_the_citizen_only_and_the_latest_first():
    lines = [line("我家暖气不热 电话幺三八一二三四五六七八", 0),
             line("在幸福路十二号", 1, start=2.0),
             line("您的地址是阳光小区三栋吗", 0, speaker="agent", start=3.0),
             line("还有漏水 电话一三九八七六五四三二一", 2, start=4.0)]
    s = suggest(lines, TOPICS)
    assert s.phones == ("13987654321", "13812345678")
    assert s.addresses == ("幸福路十二号",)  # the agent's words are shown, never mined
    assert s.categories == ("漏水", "供暖")
    assert s.emergencies == ()
    assert s.query == "我家暖气不热 电话幺三八一二三四五六七八 在幸福路十二号 " \
                      "还有漏水 电话一三九八七六五四三二一"


def test_an_emergency_is_raised_from_words_still_being_said():
    partial = line("有一股煤气味", 0, final=False)
    s = suggest([partial], TOPICS)
    assert s.emergencies == ("燃气泄漏",)
    assert s.categories == () and s.query == ""  # the rest waits for the final words
    # The recogniser thought better of it: the banner goes with the words.
    assert suggest([line("有一股没事了", 0)], TOPICS).emergencies == ()


def test_the_kb_query_is_the_latest_three_final_utterances():
    lines = [line(f"第{i}句", i, start=float(i)) for i in range(5)]
    assert suggest(lines, TOPICS).query == "第2句 第3句 第4句"


def test_a_topic_is_flagged_an_emergency_only_with_true():
    topics = parse_topics('[[topic]]\nname = "燃气泄漏"\nwords = ["漏气"]\nemergency = true\n'
                          '[[topic]]\nname = "供暖"\nwords = ["暖气"]\n', "t.toml")
    assert [(t.name, t.emergency) for t in topics] == [("燃气泄漏", True), ("供暖", False)]
    with pytest.raises(TopicsError, match="emergency must be true or false"):
        parse_topics('[[topic]]\nname = "x"\nwords = ["y"]\nemergency = "yes"\n', "t.toml")
