"""How a fill-in-the-blank stem is shown: inputs where the underscores are, as on paper."""
import re

from exam_server.labels import short_uid, stem_with_blanks
from question_bank.model import Item


def blank_item(stem, blanks):
    return Item("blank", stem, answer=tuple(("x",) for _ in range(blanks)))


def test_each_underscore_run_becomes_an_input_in_place(app):
    with app.test_request_context():
        html = stem_with_blanks(blank_item("<p>电阻 R1 的阻值为 ______ Ω，R2 为 ___ Ω。</p>", 2), "a-1")
    assert re.findall(r'<input[^>]*name="a-1"', html) and html.count("<input") == 2
    assert html.startswith("<p>电阻 R1 的阻值为 <input") and "Ω，R2 为 <input" in html
    assert "___" not in html


def test_saved_answers_are_filled_in_and_escaped(app):
    with app.test_request_context():
        html = stem_with_blanks(blank_item("<p>答：____</p>", 1), "a", ['"><script>'])
    assert 'value="&#34;&gt;&lt;script&gt;"' in html and "<script>" not in html


def test_a_count_that_does_not_match_falls_back_to_inputs_below(app):
    with app.test_request_context():
        assert stem_with_blanks(blank_item("<p>没有下划线的题干</p>", 1), "a") is None
        assert stem_with_blanks(blank_item("<p>一个 ____ 两个空</p>", 2), "a") is None


def test_generated_uids_are_shortened_in_lists_and_human_ones_kept_whole():
    assert short_uid("0123456789abcdef0123456789abcdef") == "01234567"
    assert short_uid("DEMO-DQ-008") == "DEMO-DQ-008"
