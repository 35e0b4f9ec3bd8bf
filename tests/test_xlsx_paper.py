"""The paper rules of core.xlsx: how tall a wrapped text is, where pages break."""

from hypothesis import given
from hypothesis import strategies as st

from core.xlsx import Pager, column_pixels, line_capacity, split_text, text_lines


def test_a_chinese_text_wraps_by_the_characters_a_line_of_the_column_holds():
    pixels = column_pixels(30)  # 215 px: 16 characters of 10 pt; we count 15, to be safe
    assert line_capacity(pixels) == 15
    assert text_lines("中" * 15, pixels) == 1
    assert text_lines("中" * 16, pixels) == 2
    assert text_lines("a" * 30, pixels) == 1  # a Latin letter is half a character
    assert text_lines("中\n中\n中", pixels) == 3


def test_a_block_that_does_not_fit_moves_to_the_next_page_whole():
    pager = Pager(body=100)
    pager.repeat(10)
    pager.place(1, 10)  # the header
    pager.place(2, 60)
    assert pager.keep(3, 40)  # 60 + 10 + 40 > 100: the block starts page 2
    assert pager.breaks == [3]
    assert pager.used == 10  # the repeated header
    assert not pager.keep(3, 40)  # it fits now


def test_a_block_taller_than_a_page_is_not_moved_but_broken_row_by_row():
    pager = Pager(body=100)
    pager.place(1, 50)
    assert not pager.keep(2, 150)
    assert [pager.place(row, 30) for row in range(2, 7)] == [False, True, False, False, True]
    assert pager.breaks == [3, 6]


def test_a_row_on_an_empty_page_never_breaks_even_if_too_tall():
    pager = Pager(body=100)
    assert not pager.place(1, 300)
    assert pager.breaks == []


@given(st.text(alphabet="中文ab，\n", max_size=3000), st.integers(min_value=1, max_value=30))
def test_a_long_text_is_cut_into_parts_of_at_most_the_lines_asked_and_loses_nothing(text, max_lines):
    pixels = column_pixels(40)
    parts = split_text(text, pixels, max_lines)
    assert all(text_lines(part, pixels) <= max_lines for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
