"""The blueprint format: a full document survives dict → Blueprint → dict, JSON and YAML;
every bad field is refused in Chinese with its JSON path, and syntax errors with line and column."""
import copy
import json

import pytest

from question_bank.formats.blueprint import (
    blueprint_from_dict, blueprint_to_dict, exclude_rules, read_blueprint, write_blueprint)
from question_bank.paper import Blueprint, DifficultyTarget, SectionSpec
from question_bank.problems import ProblemsError


def full_document():
    return {
        "format": "hbjn-exam-blueprint", "version": 1,
        "title": "2026年湖北省技能高考 计算机类 专业知识 模拟试卷", "category": "JSJ", "minutes": 60,
        "sections": [{"type": "truefalse", "count": 20, "points_each": 2, "rule": "all_or_nothing", "instruction": ""},
                     {"type": "single", "count": 30, "points_each": 3, "rule": "all_or_nothing", "instruction": "选一项"},
                     {"type": "multiple", "count": 5, "points_each": 4.5, "rule": "half_for_subset", "instruction": ""}],
        "constraints": [{"subject": "Excel", "knowledge_point": None, "type": "single", "level": None,
                         "exact": 6, "minimum": None, "maximum": None},
                        {"subject": "Word", "knowledge_point": "表格", "type": None, "level": "hard",
                         "exact": None, "minimum": 1, "maximum": 3}],
        "difficulty": {"mean": 0.6, "tolerance": 0.05},
        "exclude": {"used_in_last_papers": 2, "used_more_than": 3, "uids": ["jsj-0007", "jsj-0009"]},
        "pinned": ["jsj-0001"],
    }


def test_a_full_document_round_trips():
    document = full_document()
    bp = blueprint_from_dict(document)
    assert bp.sections[2] == SectionSpec("multiple", 5, 4.5, "half_for_subset", "")
    assert bp.excluded == frozenset({"jsj-0007", "jsj-0009"}) and bp.pinned == ("jsj-0001",)
    assert bp.total_points == 20 * 2 + 30 * 3 + 5 * 4.5
    assert blueprint_to_dict(bp, exclude=exclude_rules(document)) == document


def test_counts_per_level_round_trip_and_defaults_are_filled_in():
    document = {"title": "判断卷", "category": "XQ",
                "sections": [{"type": "truefalse", "count": 10, "points_each": 2}],
                "difficulty": {"counts": {"easy": 4, "medium": 6}}}
    bp = blueprint_from_dict(document)
    assert bp.difficulty == DifficultyTarget(mean=None, tolerance=0.05, counts={"easy": 4, "medium": 6, "hard": 0})
    written = blueprint_to_dict(bp)
    assert written["minutes"] == 60 and written["sections"][0]["rule"] == "all_or_nothing"
    assert written["difficulty"] == {"counts": {"easy": 4, "medium": 6, "hard": 0}}
    assert written["exclude"] == {"used_in_last_papers": None, "used_more_than": None, "uids": []}
    assert blueprint_from_dict(written) == bp


@pytest.mark.parametrize("fmt, filename", [("json", "方案.json"), ("yaml", "方案.yaml"), ("yaml", "方案.yml")])
def test_json_and_yaml_files_read_back_the_same_document(fmt, filename):
    data = write_blueprint(full_document(), fmt)
    assert "计算机类".encode() in data  # Chinese written as is, not escaped
    assert read_blueprint(data, filename) == full_document()


def test_the_format_is_guessed_from_the_content_without_an_extension():
    assert read_blueprint(write_blueprint(full_document(), "yaml"), "upload") == full_document()
    assert read_blueprint(b"\xef\xbb\xbf" + write_blueprint(full_document(), "json"), "upload") == full_document()


def broken(change):
    document = full_document()
    change(document)
    return document


def set_in(path, value):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


BAD_FIELDS = [
    (set_in(["format"], "hbjn-exam-bank"), "format", "不是组卷方案文件"),
    (set_in(["version"], 2), "version", "不支持的版本"),
    (set_in(["title"], ""), "title", "必须填写"),
    (set_in(["title"], "题" * 201), "title", "不能超过 200 个字符"),
    (set_in(["category"], 5), "category", "须为文字"),
    (set_in(["minutes"], 0), "minutes", "1 至 600 分钟"),
    (set_in(["minutes"], 601), "minutes", "1 至 600 分钟"),
    (set_in(["minutes"], 45.5), "minutes", "1 至 600 分钟"),
    (set_in(["sections"], []), "sections", "至少要有一个大题"),
    (set_in(["sections", 0], "single"), "sections[0]", "须为对象"),
    (set_in(["sections", 1, "type"], "essay"), "sections[1].type", "未知题型“essay”"),
    (set_in(["sections", 1, "count"], 0), "sections[1].count", "不小于 1 的整数"),
    (set_in(["sections", 1, "count"], 2.5), "sections[1].count", "不小于 1 的整数"),
    (set_in(["sections", 1, "count"], True), "sections[1].count", "不小于 1 的整数"),
    (set_in(["sections", 0, "points_each"], 0), "sections[0].points_each", "大于 0"),
    (set_in(["sections", 0, "points_each"], "2"), "sections[0].points_each", "大于 0"),
    (set_in(["sections", 2, "rule"], "lenient"), "sections[2].rule", "未知的多选题计分规则"),
    (set_in(["sections", 2, "instruction"], 3), "sections[2].instruction", "须为文字"),
    (set_in(["constraints"], {}), "constraints", "须为列表"),
    (set_in(["constraints", 0, "subject"], ""), "constraints[0].subject", "必须填写"),
    (set_in(["constraints", 0, "knowledge_point"], 7), "constraints[0].knowledge_point", "须为文字或 null"),
    (set_in(["constraints", 0, "type"], "essay"), "constraints[0].type", "未知题型"),
    (set_in(["constraints", 1, "level"], "tricky"), "constraints[1].level", "easy、medium 或 hard"),
    (set_in(["constraints", 0, "exact"], None), "constraints[0]", "须填写 exact"),
    (set_in(["constraints", 0, "exact"], -1), "constraints[0].exact", "不小于 0 的整数"),
    (set_in(["constraints", 0, "minimum"], 2), "constraints[0].exact", "不能再填 minimum"),
    (set_in(["constraints", 1, "minimum"], 4), "constraints[1].minimum", "至少 4 题不能大于至多 3 题"),
    (set_in(["constraints", 1, "maximum"], "3"), "constraints[1].maximum", "不小于 0 的整数"),
    (set_in(["difficulty"], 0.6), "difficulty", "须为对象"),
    (set_in(["difficulty"], {}), "difficulty", "须填写 mean"),
    (set_in(["difficulty", "mean"], 1.2), "difficulty.mean", "0 到 1 之间"),
    (set_in(["difficulty", "mean"], -0.1), "difficulty.mean", "0 到 1 之间"),
    (set_in(["difficulty", "tolerance"], 0), "difficulty.tolerance", "大于 0"),
    (set_in(["difficulty"], {"counts": {"easy": 10, "medium": 40}}), "difficulty.counts", "合计 50 题，与试卷的 55 题不符"),
    (set_in(["difficulty"], {"counts": {"easy": 55, "simple": 0}}), "difficulty.counts.simple", "easy、medium 或 hard"),
    (set_in(["difficulty"], {"counts": {"easy": -1}}), "difficulty.counts.easy", "不小于 0 的整数"),
    (set_in(["difficulty"], {"counts": [55]}), "difficulty.counts", "须为对象"),
    (set_in(["exclude"], []), "exclude", "须为对象"),
    (set_in(["exclude", "used_in_last_papers"], 0), "exclude.used_in_last_papers", "不小于 1 的整数"),
    (set_in(["exclude", "used_more_than"], -1), "exclude.used_more_than", "不小于 0 的整数"),
    (set_in(["exclude", "uids"], "jsj-0007"), "exclude.uids", "须为列表"),
    (set_in(["exclude", "uids"], ["jsj-0007", 8]), "exclude.uids[1]", "须为试题编号"),
    (set_in(["pinned"], [""]), "pinned[0]", "须为试题编号"),
]


@pytest.mark.parametrize("change, where, words", BAD_FIELDS, ids=[case[1] for case in BAD_FIELDS])
def test_each_bad_field_is_named_by_its_json_path(change, where, words):
    with pytest.raises(ProblemsError) as error:
        blueprint_from_dict(broken(change))
    assert [p.where for p in error.value.problems] == [where]
    assert words in error.value.problems[0].message


def test_every_problem_is_reported_at_once():
    document = broken(set_in(["minutes"], 0))
    document["sections"][0]["count"] = 0
    document["pinned"] = [1]
    with pytest.raises(ProblemsError) as error:
        blueprint_from_dict(document)
    assert [p.where for p in error.value.problems] == ["minutes", "sections[0].count", "pinned[0]"]


def test_a_document_that_is_not_an_object_is_refused():
    with pytest.raises(ProblemsError):
        blueprint_from_dict(["sections"])
    with pytest.raises(ProblemsError) as error:
        read_blueprint(b"- a\n- b\n", "list.yaml")
    assert error.value.problems[0].where == "list.yaml"


def test_json_syntax_errors_name_line_and_column():
    with pytest.raises(ProblemsError) as error:
        read_blueprint('{"title": "x",\n  "minutes": 50,\n}'.encode(), "方案.json")
    [problem] = error.value.problems
    assert problem.where == "方案.json:3:1" and "JSON 语法错误" in problem.message


def test_yaml_syntax_errors_name_line_and_column():
    with pytest.raises(ProblemsError) as error:
        read_blueprint("title: 模拟\nsections:\n  - type: single\n   count: 5\n".encode(), "方案.yaml")
    [problem] = error.value.problems
    assert problem.where == "方案.yaml:4:4" and problem.message.startswith("YAML 语法错误")


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(ProblemsError) as error:
        read_blueprint("title: 模拟".encode("gbk"), "gbk.yaml")
    assert error.value.problems[0].message == "文件不是 UTF-8 编码"


def test_an_unknown_output_format_is_a_programming_error():
    with pytest.raises(ValueError):
        write_blueprint(full_document(), "xml")


def test_blueprint_to_dict_lists_excluded_uids_sorted():
    bp = Blueprint("t", "HL", (SectionSpec("single", 1, 1.0),), excluded=frozenset({"b", "a"}))
    assert blueprint_to_dict(bp)["exclude"]["uids"] == ["a", "b"]
    assert json.loads(write_blueprint(blueprint_to_dict(bp)))["sections"][0]["points_each"] == 1
    assert copy.deepcopy(blueprint_to_dict(bp)) == blueprint_to_dict(bp)
