"""The native bank format: every item type survives a round trip, every bad file is refused with its place."""
import dataclasses
import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from question_bank.formats.native import (
    Bank, CategoryNode, SubjectNode, bank_to_dict, read_bank, write_json, write_package)
from question_bank.media import check_image
from question_bank.model import Item, Option, ScoringPoint
from question_bank.problems import ProblemsError


def png(color=(200, 30, 30)) -> bytes:
    """A small PNG of one colour; different colours give different media names."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(buffer, "PNG")
    return buffer.getvalue()


def sample_bank(with_images=True) -> Bank:
    """One item of each type, two of them using images, in one category with knowledge points."""
    media = {}
    if with_images:
        stem_image, option_image = check_image(png()), check_image(png((20, 90, 200)))
        media = {stem_image.name: stem_image.data, option_image.name: option_image.data}
    names = sorted(media)
    common = {"category": "JSJ", "subject": "计算机基础知识", "author": "teacher1",
              "created_at": "2025-03-01T08:00:00+00:00", "updated_at": "2025-03-02T09:30:00+00:00"}
    stem_with_image = (f'<p>下图所示的设备是（　）。</p><p><img src="/media/{names[0]}" alt="设备"></p>'
                       if with_images else "<p>鼠标属于（　）。</p>")
    items = [
        Item(type="single", uid="jsj-0001", stem=stem_with_image,
             options=tuple(Option(k, f"<p>{t}</p>") for k, t in zip("ABCD", ["输入设备", "输出设备", "存储器", "CPU"])),
             answer="A", explanation="<p>鼠标用于输入。</p>", difficulty=0.8, points=3,
             knowledge_points=("硬件组成",), tags=("一模",), source="2024 联考", status="published", **common),
        Item(type="multiple", uid="jsj-0002", stem="<p>下列属于操作系统的有（　）。</p>",
             options=(Option("A", "<p>Windows</p>"), Option("B", "<p>Linux</p>"),
                      Option("C", "<p>Word</p>", names[1] if with_images else None),
                      Option("D", "<p>以上都不对</p>", pinned=True)),
             answer=("A", "B"), difficulty=0.55, points=4, knowledge_points=("操作系统", "硬件组成"),
             status="review", version=2, **common),
        Item(type="truefalse", uid="jsj-0003", stem="<p>1 KB 等于 1000 字节。</p>", answer=False,
             explanation="<p>1 KB = 1024 B。</p>", difficulty=0.35, points=2, status="draft", **common),
        Item(type="blank", uid="jsj-0004", stem="<p>二进制数 1010 等于十进制数____，CPU 的中文名称是____。</p>",
             answer=(("10",), ("中央处理器", "中央处理单元")), difficulty=0.6, points=4,
             status="retired", **common),
        Item(type="short", uid="jsj-0005", stem="<p>简述计算机硬件系统的五大组成部分。</p>",
             answer="<p>运算器、控制器、存储器、输入设备、输出设备。</p>",
             scoring_points=(ScoringPoint("运算器和控制器", 2), ScoringPoint("存储器", 1),
                             ScoringPoint("输入、输出设备", 2)),
             difficulty=0.5, points=5, knowledge_points=("硬件组成",), status="published", **common),
    ]
    taxonomy = [CategoryNode("JSJ", "计算机类", (
        SubjectNode("计算机基础知识", ("硬件组成", "操作系统")), SubjectNode("Word", ())))]
    return Bank(taxonomy, items, media)


def document(**changes) -> dict:
    data = bank_to_dict(sample_bank(with_images=False))
    data.update(changes)
    return data


def encoded(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def problems_of(data: bytes, filename="bank.json") -> list:
    with pytest.raises(ProblemsError) as error:
        read_bank(data, filename)
    return error.value.problems


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


# ---------------------------------------------------------------- round trips

def test_every_item_type_survives_a_json_round_trip():
    bank = sample_bank(with_images=False)
    again = read_bank(write_json(bank))
    assert again.items == bank.items
    assert again.taxonomy == bank.taxonomy
    assert [i.version for i in again.items] == [1, 2, 1, 1, 1]
    assert again.media == {}


def test_every_item_type_and_its_images_survive_a_package_round_trip():
    bank = sample_bank()
    again = read_bank(write_package(bank), "bank.zip")
    assert again.items == bank.items and again.taxonomy == bank.taxonomy
    assert again.media == bank.media and len(again.media) == 2


def test_difficulty_may_be_a_level_name_and_a_bom_is_accepted():
    data = document()
    data["items"][0]["difficulty"] = "hard"
    bank = read_bank(b"\xef\xbb\xbf" + encoded(data))
    assert bank.items[0].difficulty == 0.35 and bank.items[0].level == "hard"


def test_rich_text_is_sanitised_on_reading():
    data = document()
    data["items"][0]["stem"] = '<p onclick="x()">鼠标属于<script>alert(1)</script>（　）。</p>'
    assert read_bank(encoded(data)).items[0].stem == "<p>鼠标属于（　）。</p>"


# ---------------------------------------------------------------- refusals, each with its place

def test_a_json_syntax_error_names_the_line_and_column():
    text = write_json(sample_bank(with_images=False)).decode("utf-8").replace('"type": "truefalse"', '"type" "truefalse"')
    line = text[:text.index('"type" "truefalse"')].count("\n") + 1
    [problem] = problems_of(text.encode("utf-8"), "jsj.json")
    assert problem.where.startswith(f"jsj.json:{line}:") and "JSON 语法错误" in problem.message


def test_a_file_that_is_not_utf8_is_refused():
    [problem] = problems_of("{}".encode("utf-16"))
    assert problem.where == "bank.json" and "UTF-8" in problem.message


@pytest.mark.parametrize("changes, message", [
    ({"format": "moodle-xml"}, "不是本系统的题库文件"),
    ({"version": 2}, "不支持的题库格式版本 2"),
    ({"version": True}, "不支持的题库格式版本"),
])
def test_a_wrong_format_name_or_version_is_refused(changes, message):
    [problem] = problems_of(encoded(document(**changes)), "x.json")
    assert problem.where == "x.json" and message in problem.message


def test_an_item_with_no_correct_answer_is_refused_with_its_index_uid_and_field():
    data = document()
    data["items"][0]["answer"] = None
    [problem] = problems_of(encoded(data))
    assert problem.where == "bank.json: items[0] (uid jsj-0001) answer"
    assert "单选题必须恰好有一个正确答案" in problem.message


def test_an_unknown_item_type_is_refused():
    data = document()
    data["items"][2]["type"] = "essay"
    [problem] = problems_of(encoded(data))
    assert problem.where == "bank.json: items[2] (uid jsj-0003) type" and "未知题型“essay”" in problem.message


def test_every_problem_is_reported_not_just_the_first():
    data = document()
    data["items"][0]["answer"] = "Z"
    data["items"][1]["points"] = "four"
    data["items"][3]["answer"] = [[]]
    del data["items"][4]["subject"]
    wheres = [p.where for p in problems_of(encoded(data))]
    assert wheres == ["bank.json: items[0] (uid jsj-0001) answer",
                      "bank.json: items[1] (uid jsj-0002) points",
                      "bank.json: items[3] (uid jsj-0004) answer[1]",
                      "bank.json: items[4] (uid jsj-0005) subject"]


@pytest.mark.parametrize("field, value, where", [
    ("version", "二", "version"),
    ("uid", "bad uid with spaces", "uid"),
    ("created_at", "去年", "created_at"),
    ("difficulty", "very hard", "difficulty"),
    ("options", {"A": "x"}, "options"),
])
def test_malformed_fields_are_refused_not_crashed_on(field, value, where):
    data = document()
    data["items"][0][field] = value
    problems = problems_of(encoded(data))
    assert f"bank.json: items[0] (uid {data['items'][0]['uid']}) {where}" in [p.where for p in problems]


def test_a_single_choice_answer_that_is_not_a_letter_is_refused():
    data = document()
    data["items"][0]["answer"] = 1
    problems = problems_of(encoded(data))
    assert any(p.where.endswith("(uid jsj-0001) answer") and "格式" in p.message for p in problems)


def test_a_duplicate_uid_is_refused_naming_both_items():
    data = document()
    data["items"][3]["uid"] = "jsj-0002"
    [problem] = problems_of(encoded(data))
    assert problem.where == "bank.json: items[3] (uid jsj-0002)" and "与 items[1] 重复" in problem.message


def test_an_image_missing_from_the_package_is_refused():
    bank = sample_bank()
    missing = sorted(bank.media)[1]
    del bank.media[missing]
    [problem] = problems_of(write_package(bank), "jsj.zip")
    assert problem.where == "jsj.zip!bank.json: items[1] (uid jsj-0002)" and missing in problem.message


def test_an_image_in_a_json_file_alone_is_missing_too():
    problems = problems_of(write_json(sample_bank()))
    assert {p.where for p in problems} == {"bank.json: items[0] (uid jsj-0001)", "bank.json: items[1] (uid jsj-0002)"}


def test_an_option_image_must_be_a_media_name_not_a_path():
    data = document()
    data["items"][0]["options"][0]["image"] = "../../etc/passwd"
    [problem] = problems_of(encoded(data))
    assert problem.where == "bank.json: items[0] (uid jsj-0001) options[0].image"


def test_a_zip_member_outside_the_package_is_refused():
    package = zipped({"bank.json": encoded(document()), "../../evil.sh": b"rm -rf /",
                      "media/../../x.png": png()})
    problems = problems_of(package, "jsj.zip")
    assert {p.where for p in problems} == {"jsj.zip!../../evil.sh", "jsj.zip!media/../../x.png"}
    assert all("不安全的路径" in p.message for p in problems)


def test_a_package_without_bank_json_or_a_broken_zip_is_refused():
    [problem] = problems_of(zipped({"items.json": b"{}"}), "a.zip")
    assert problem.where == "a.zip" and "bank.json" in problem.message
    [broken] = problems_of(zipped({"bank.json": b"{}"})[:40], "b.zip")
    assert broken.where == "b.zip" and "损坏" in broken.message


def test_a_bad_image_in_the_package_is_refused():
    bank = sample_bank()
    name = sorted(bank.media)[0]
    bank.media[name] = b"not an image at all"
    problems = problems_of(write_package(bank), "jsj.zip")
    assert [p.where for p in problems] == [f"jsj.zip!media/{name}"]
    assert "不是可用的图片文件" in problems[0].message


def test_an_image_whose_content_does_not_match_its_name_is_refused():
    bank = sample_bank()
    first, second = sorted(bank.media)
    bank.media[first], bank.media[second] = bank.media[second], bank.media[first]
    problems = problems_of(write_package(bank), "jsj.zip")
    assert {p.where for p in problems} == {f"jsj.zip!media/{first}", f"jsj.zip!media/{second}"}
    assert all("哈希值不符" in p.message for p in problems)


def test_a_bad_taxonomy_entry_is_refused_with_its_place():
    data = document(taxonomy=[{"code": "JSJ"}, {"code": "JSJ", "name": "计算机类", "subjects": [{"x": 1}]}])
    wheres = [p.where for p in problems_of(encoded(data))]
    assert wheres == ["bank.json: taxonomy[0]", "bank.json: taxonomy[1].subjects[0]"]


def test_items_written_in_code_keep_every_field():
    bank = sample_bank(with_images=False)
    bank.items[0] = dataclasses.replace(bank.items[0], tags=("一模", "易错"), source="教材 P12")
    assert read_bank(write_json(bank)).items[0] == bank.items[0]


def test_the_complete_example_in_the_format_document_is_a_valid_bank():
    text = (Path(__file__).parents[2] / "docs" / "BANK_FORMAT.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```json\n")[1:]]
    [example] = [b for b in blocks if '"items": [\n' in b]
    bank = read_bank(example.encode("utf-8"), "BANK_FORMAT.md")
    assert [i.type for i in bank.items] == ["single", "multiple", "truefalse", "blank", "short"]
    assert [i.level for i in bank.items] == ["easy", "medium", "easy", "medium", "hard"]
    assert bank.items[4].version == 2 and bank.items[1].options[3].pinned


def test_a_json_bank_takes_the_images_it_uses_from_beside_it():
    bank = sample_bank()
    unused = check_image(png((1, 2, 3)))
    images = dict(bank.media, **{unused.name: unused.data})
    read = read_bank(write_json(bank), "bank.json", images)
    assert read.media == bank.media and unused.name not in read.media
    with pytest.raises(ProblemsError, match="不在题库包中"):
        read_bank(write_json(bank), "bank.json", {unused.name: unused.data})


def test_a_package_with_a_corrupt_member_is_reported_not_crashed_on():
    data = bytearray(write_package(sample_bank()))
    start = data.index(b"bank.json") + len(b"bank.json")  # inside the first member's compressed bytes
    data[start + 40] ^= 0xFF
    with pytest.raises(ProblemsError, match="zip 文件已损坏"):
        read_bank(bytes(data), "bank.zip")
