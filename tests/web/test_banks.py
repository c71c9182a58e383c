"""Bank import (all or nothing, idempotent, new versions), export round trips, statistics and the bank CLI."""
import dataclasses
import json
import os
import shutil

import pytest
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Category, Item, ItemEvent, ItemVersion, KnowledgePoint, Media, Subject
from exam_server.services import accounts, banks
from exam_server.services.errors import ProblemsError, ServiceError
from exam_server.services.media import media_path
from question_bank.formats.native import (
    Bank, CategoryNode, SubjectNode, item_to_dict, read_bank, write_json, write_package)
from question_bank.model import Item as DomainItem
from question_bank.model import Option

from ..conftest import PASSWORD, make_app
from ..unit.test_native_format import sample_bank

TABLES = (Item, ItemVersion, ItemEvent, Media, Category, Subject, KnowledgePoint)


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def item(uid):
    return db.session.scalar(select(Item).where(Item.uid == uid))


def hl_item(**changes):
    fields = {"type": "single", "uid": "hl-0001", "category": "HL", "subject": "基础护理",
              "stem": "<p>成人鼻饲插管的长度约为（　）。</p>",
              "options": tuple(Option(k, f"<p>{t}</p>") for k, t in zip("ABCD", ["20～25 cm", "30～35 cm",
                                                                              "45～55 cm", "60～70 cm"])),
              "answer": "C", "difficulty": 0.3, "points": 3, "status": "published"}
    fields.update(changes)
    return DomainItem(**fields)


def exported_dicts(bank):
    return [item_to_dict(i) for i in bank.items]


# ---------------------------------------------------------------- import

def test_import_creates_items_with_their_uid_status_version_author_times_and_images(app, teacher):
    bank = sample_bank()
    report = banks.import_bank(bank)
    assert (report.created, report.updated, report.unchanged, report.media_added) == (5, 0, 0, 2)
    single, multiple, blank = item("jsj-0001"), item("jsj-0002"), item("jsj-0004")
    assert (single.status, single.published_version, single.latest_version) == ("published", 1, 1)
    assert (multiple.status, multiple.published_version, multiple.latest_version) == ("review", None, 2)
    assert multiple.latest.answer == ["A", "B"] and multiple.events[0].version == 2
    assert (blank.status, blank.published_version) == ("retired", 1)
    assert single.author.username == "teacher1" and single.latest.created_by_id == teacher.id
    assert single.created_at.isoformat() == "2025-03-01T08:00:00+00:00"
    assert [p.name for p in multiple.knowledge_points] == ["硬件组成", "操作系统"]
    assert [t.name for t in single.tags] == ["一模"] and single.source == "2024 联考"
    word = db.session.scalar(select(Subject).where(Subject.name == "Word"))
    assert word.category.code == "JSJ"  # from the bank's taxonomy, though no item uses it
    for name, data in bank.media.items():
        with open(media_path(name), "rb") as handle:
            assert handle.read() == data
    assert db.session.scalar(select(func.count(Media.id))) == 2


def test_importing_the_same_bank_again_changes_nothing(app, teacher):
    banks.import_bank(sample_bank())
    before = counts()
    report = banks.import_bank(sample_bank())
    assert (report.created, report.updated, report.unchanged, report.media_added) == (0, 0, 5, 0)
    assert report.skipped[0].where == "items[0] (uid jsj-0001)" and "未改动" in report.skipped[0].message
    assert counts() == before


def test_changed_content_makes_version_2_and_publishes_it(app, teacher, reviewer):
    banks.import_bank(sample_bank())
    bank = sample_bank()
    bank.items[0] = dataclasses.replace(bank.items[0], explanation="<p>鼠标是常用的输入设备。</p>")
    bank.items[4] = dataclasses.replace(bank.items[4], tags=("二模",))  # classification counts too
    report = banks.import_bank(bank, user=reviewer)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 3)
    single = item("jsj-0001")
    assert (single.latest_version, single.published_version, single.status) == (2, 2, "published")
    assert single.version(1).explanation == "<p>鼠标用于输入。</p>"
    assert single.latest.explanation == "<p>鼠标是常用的输入设备。</p>"
    assert single.latest.created_by_id == reviewer.id and single.author.username == "teacher1"
    assert [t.name for t in item("jsj-0005").tags] == ["二模"]
    assert banks.import_bank(bank).unchanged == 5


def test_a_changed_retired_item_is_updated_and_stays_retired(app):
    banks.import_bank(sample_bank())
    bank = sample_bank()
    bank.items[3] = dataclasses.replace(bank.items[3], points=6)
    assert banks.import_bank(bank).updated == 1
    blank = item("jsj-0004")
    assert (blank.status, blank.latest_version, blank.published_version, blank.latest.points) == ("retired", 2, 2, 6)


def test_a_bad_bank_writes_nothing_and_lists_every_problem(app):
    banks.import_bank(sample_bank())
    before = counts()
    bank = sample_bank()
    bank.items[0] = dataclasses.replace(bank.items[0], stem="<p>改过的题干</p>")
    bank.items.append(hl_item(uid="new-1"))
    bank.items.append(hl_item(uid="new-2", category="ZZ"))
    bank.items.append(hl_item(uid="new-3", answer="AB", source="x" * 201))
    with pytest.raises(ProblemsError) as error:
        banks.import_bank(bank, filename="mixed.zip")
    assert [(p.where, p.message) for p in error.value.problems] == [
        ("mixed.zip: items[6] (uid new-2)", "未知的大类代码“ZZ”，题库文件的 taxonomy 中也没有它"),
        ("mixed.zip: items[7] (uid new-3) answer", "单选题必须恰好有一个正确答案，现有 2 个"),
        ("mixed.zip: items[7] (uid new-3) source", "来源不超过 200 个字符"),
    ]
    assert counts() == before
    assert item("jsj-0001").latest_version == 1


def test_an_unknown_category_is_created_when_the_bank_names_it_and_an_unknown_author_is_left_empty(app):
    bank = Bank([CategoryNode("GY", "工艺美术类", (SubjectNode("素描", ("透视",)),))],
                [hl_item(uid="gy-1", category="GY", subject="素描", knowledge_points=("透视",), author="nobody")])
    assert banks.import_bank(bank).created == 1
    created = item("gy-1")
    assert created.category.name == "工艺美术类" and created.author is None
    assert created.category.sort_order > db.session.scalar(
        select(Category.sort_order).where(Category.code == "QC"))


def test_a_category_name_taken_by_another_code_is_refused(app):
    bank = Bank([CategoryNode("JSJ2", "计算机类", ())], [])
    with pytest.raises(ProblemsError, match="已被代码 JSJ 使用"):
        banks.import_bank(bank)


def test_items_without_uid_get_one_from_their_content_so_a_second_import_adds_nothing(app):
    bank = Bank([], [hl_item(uid=""), hl_item(uid="", stem="<p>另一道题</p>")])
    assert banks.import_bank(bank).created == 2
    assert banks.import_bank(bank).unchanged == 2
    uids = db.session.scalars(select(Item.uid)).all()
    assert len(set(uids)) == 2 and all(u.startswith("h-") for u in uids)


def test_a_dry_run_counts_but_writes_nothing(app):
    before = counts()
    report = banks.import_bank(sample_bank(), dry_run=True)
    assert (report.created, report.dry_run) == (5, True)
    assert counts() == before
    assert not os.path.exists(media_path(sorted(sample_bank().media)[0]))


# ---------------------------------------------------------------- export

def test_export_import_export_across_two_databases_gives_the_same_items(app, teacher, tmp_path,
                                                                       sqlite_template):
    banks.import_bank(sample_bank())
    changed = sample_bank()
    changed.items[0] = dataclasses.replace(changed.items[0], stem=changed.items[0].stem.replace("所示", "中"))
    banks.import_bank(Bank(changed.taxonomy, changed.items + [hl_item()], changed.media))
    first = banks.export_bank()
    assert item("jsj-0001").latest_version == 2
    package = write_package(first)

    path = tmp_path / "second.sqlite3"
    shutil.copy(sqlite_template, path)
    second_app = make_app(tmp_path / "second", f"sqlite:///{path}")
    try:
        with second_app.app_context():
            accounts.create_user(username="teacher1", password=PASSWORD, role="teacher")
            report = banks.import_bank(read_bank(package, "all.zip"))
            second = banks.export_bank()
            db.session.remove()
    finally:
        with second_app.app_context():
            db.engine.dispose()
    assert report.created == 6
    assert exported_dicts(second) == exported_dicts(first)
    assert [i.version for i in second.items][:2] == [2, 2]
    assert second.media == first.media and len(second.media) == 2
    assert second.taxonomy == first.taxonomy


def test_export_of_one_category_and_status_carries_its_whole_taxonomy(app):
    banks.import_bank(Bank(sample_bank().taxonomy, sample_bank().items + [hl_item()], sample_bank().media))
    bank = banks.export_bank("JSJ", ["published"])
    assert [i.uid for i in bank.items] == ["jsj-0001", "jsj-0005"]
    assert [c.code for c in bank.taxonomy] == ["JSJ"]
    subjects = {s.name: s.knowledge_points for s in bank.taxonomy[0].subjects}
    assert len(subjects) == 9 and subjects["计算机基础知识"] == ("硬件组成", "操作系统")
    assert list(bank.media) == [sorted(sample_bank().media)[0]]  # only the image item jsj-0001 uses
    with pytest.raises(ServiceError, match="未知的大类代码"):
        banks.export_bank("ZZ")


# ---------------------------------------------------------------- statistics

def test_stats_count_published_items_per_category_subject_type_and_level(app):
    bank = sample_bank()
    banks.import_bank(Bank(bank.taxonomy, bank.items + [hl_item(), hl_item(uid="hl-2", status="draft")],
                           bank.media))
    stats = banks.bank_stats()
    assert stats["total"] == 3
    assert [c["code"] for c in stats["categories"]] == ["JX", "DQ", "JSJ", "JZ", "LY", "NX", "CJ", "XQ", "HL", "QC"]
    jsj = stats["categories"][2]
    assert jsj == {
        "code": "JSJ", "name": "计算机类", "items": 2,
        "subjects": [{"name": "计算机基础知识", "items": 2}] + [
            {"name": n, "items": 0} for n in ("Windows 操作系统", "计算机网络应用", "Word", "Excel",
                                              "PowerPoint", "C 语言", "Access 数据库", "Photoshop")],
        "types": {"single": 1, "multiple": 0, "truefalse": 0, "blank": 0, "short": 1},
        "difficulty": {"easy": 1, "medium": 1, "hard": 0},
    }
    hl = stats["categories"][8]
    assert (hl["name"], hl["items"], hl["subjects"][0], hl["difficulty"]["hard"]) == (
        "护理专业", 1, {"name": "基础护理", "items": 1}, 1)
    assert stats["categories"][0]["items"] == 0 and stats["categories"][0]["types"]["single"] == 0


# ---------------------------------------------------------------- the bank CLI

def test_cli_import_then_stats_then_export(cli, tmp_path):
    source = tmp_path / "jsj.zip"
    source.write_bytes(write_package(sample_bank()))
    result = cli("bank", "import", source, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"imported": 5, "created": 5, "updated": 0, "unchanged": 0,
                                         "dry_run": False, "skipped": [], "errors": []}
    again = json.loads(cli("bank", "import", source, "--json").stdout)
    assert again["imported"] == 0 and again["skipped"][0] == {
        "where": "jsj.zip: items[0] (uid jsj-0001)", "reason": "与库中已有版本内容相同，未改动"}

    stats = json.loads(cli("bank", "stats", "--json").stdout)
    assert stats["total"] == 2 and len(stats["categories"]) == 10
    table = cli("bank", "stats").stdout
    assert "JSJ 计算机类" in table and "计算机基础知识" in table

    refused = cli("bank", "export", "--out", tmp_path / "out.json")
    assert refused.exit_code == 1 and ".zip" in refused.stderr and not (tmp_path / "out.json").exists()
    done = cli("bank", "export", "--out", tmp_path / "out.zip", "--category", "JSJ")
    assert done.exit_code == 0 and "5 道试题、2 张图片" in done.stdout
    assert read_bank((tmp_path / "out.zip").read_bytes()).media == sample_bank().media


def test_cli_exports_items_without_images_as_json(cli, tmp_path):
    source = tmp_path / "plain.json"
    source.write_bytes(write_json(sample_bank(with_images=False)))
    assert cli("bank", "import", source).exit_code == 0
    assert cli("bank", "export", "--out", tmp_path / "out.json", "--status", "published").exit_code == 0
    assert [i.uid for i in read_bank((tmp_path / "out.json").read_bytes()).items] == ["jsj-0001", "jsj-0005"]


def test_cli_import_of_a_bad_file_prints_each_problem_in_chinese_and_imports_nothing(cli, tmp_path):
    data = json.loads(write_json(sample_bank(with_images=False)))
    data["items"][1]["answer"] = ["A"]
    data["items"][2]["type"] = "essay"
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = cli("bank", "import", source)
    assert result.exit_code == 1
    assert "bad.json: items[1] (uid jsj-0002) answer: 多选题至少要有两个正确答案" in result.stderr
    assert "bad.json: items[2] (uid jsj-0003) type: 未知题型“essay”" in result.stderr
    assert db.session.scalar(select(func.count(Item.id))) == 0
    as_json = json.loads(cli("bank", "import", source, "--json").stdout)
    assert as_json["imported"] == 0 and len(as_json["errors"]) == 2
    assert as_json["errors"][1] == {"where": "bad.json: items[2] (uid jsj-0003) type",
                                    "message": "未知题型“essay”，可用题型：single、multiple、truefalse、blank、short"}


def test_cli_dry_run_reports_without_writing(cli, tmp_path):
    source = tmp_path / "jsj.zip"
    source.write_bytes(write_package(sample_bank()))
    result = cli("bank", "import", source, "--dry-run")
    assert result.exit_code == 0 and "新增 5 道" in result.stdout and "试运行" in result.stdout
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_a_reimport_moves_an_items_status_forward_but_never_back(app):
    bank = sample_bank(with_images=False)
    drafts = dataclasses.replace(bank, items=[dataclasses.replace(i, status="draft") for i in bank.items])
    banks.import_bank(drafts)
    published = dataclasses.replace(bank, items=[dataclasses.replace(i, status="published") for i in bank.items])
    report = banks.import_bank(published)
    assert report.updated == len(bank.items)
    items = list(db.session.scalars(select(Item)))
    assert all(i.status == "published" and i.published_version == i.latest_version for i in items)
    assert db.session.scalar(select(func.count(ItemEvent.id)).where(ItemEvent.action == "imported")) == len(items)
    again = banks.import_bank(drafts)  # a stale file must not unpublish
    assert again.unchanged == len(bank.items)
    assert {i.status for i in db.session.scalars(select(Item))} == {"published"}
