"""Key phrases of a ticket's matter: the hotline dictionary keeps its phrases whole; names and
numbers never become phrases; a bad dictionary line is refused with its line number."""

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.search.phrases import (
    DictionaryError,
    key_phrases,
    read_dictionary,
    use_dictionary,
)


def test_the_dictionary_keeps_hotline_phrases_whole_and_names_stay_out():
    use_dictionary(read_dictionary(PROJECT_ROOT / "config" / "hotline_words.txt"))
    found = key_phrases("王小明反映电梯故障三天了，物业费太贵，1号楼违章搭建 电话13812345678")
    assert found[:2] == ["电梯故障", "物业费"] and "违章搭建" in found
    assert not any(c.isdigit() for w in found for c in w)
    assert "王小明" not in found
    assert len(key_phrases("漏水 " * 3 + "供暖 噪音 电梯 物业 小区 楼道 水管 门窗 屋顶")) == 8


def test_a_bad_dictionary_line_names_its_line(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("# comment\n电梯故障\n两个 词\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"words.txt:3"):
        read_dictionary(path)
    with pytest.raises(DictionaryError):
        read_dictionary(tmp_path / "missing.txt")
