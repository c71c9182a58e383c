"""Every demo item is sound: keys, explanations, taxonomy, images, C programs and calculations.

Reads exam_server/demo_data the way ``exam-server init --demo`` does, without Flask or a database.
"""
import ast
import collections
import html
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from question_bank.default_papers import DEFAULT_PAPERS
from question_bank.formats.native import read_bank
from question_bank.richtext import html_to_text
from question_bank.similarity import normalize
from question_bank.taxonomy import TEN_CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "exam_server" / "demo_data"
CHECKS = ROOT / "tests" / "fixtures" / "demo_checks"
CODES = [seed.code for seed in TEN_CATEGORIES]
SUBJECTS = {seed.code: seed.subjects for seed in TEN_CATEGORIES}


@pytest.fixture(scope="module")
def items():
    images = {p.name: p.read_bytes() for p in (DEMO / "media").glob("*.*")}
    loaded = []
    for path in sorted((DEMO / "banks").glob("*.json")):
        bank = read_bank(path.read_bytes(), path.name, images)  # raises on any problem
        loaded.extend(bank.items)
    return loaded


def by_category(items):
    grouped = collections.defaultdict(list)
    for item in items:
        grouped[item.category].append(item)
    return grouped


def key_text(item) -> str:
    """The text of the key: the correct option's, or the first accepted answer of the first blank."""
    if item.type == "single":
        return html_to_text(next(o.text for o in item.options if o.id == item.answer))
    if item.type == "blank":
        return item.answer[0][0]
    return ""


def test_every_category_has_enough_published_items_in_every_subject(items):
    grouped = by_category(items)
    assert sorted(grouped) == sorted(CODES)
    for code, category_items in grouped.items():
        assert len(category_items) >= 100, code
        assert {i.status for i in category_items} == {"published"}
        per_subject = collections.Counter(i.subject for i in category_items)
        assert set(per_subject) == set(SUBJECTS[code]), code
        assert min(per_subject.values()) >= 10, (code, per_subject)


def test_two_disjoint_forms_of_each_default_paper_fit_in_the_bank(items):
    for code, category_items in by_category(items).items():
        types = collections.Counter(i.type for i in category_items)
        for section in DEFAULT_PAPERS[code].sections:
            assert types[section.type] >= 2 * section.count, (code, section.type, types[section.type])


def test_types_are_mixed_like_the_real_test(items):
    for code, category_items in by_category(items).items():
        types = collections.Counter(i.type for i in category_items)
        assert types["single"] == max(types.values()), code
        assert types["truefalse"] >= 4 and types["blank"] >= 2 and types["short"] >= 3, (code, types)
        if DEFAULT_PAPERS[code].count_of("multiple"):
            assert types["multiple"] >= 2 * DEFAULT_PAPERS[code].count_of("multiple")
    assert {i.type for i in items} == {"single", "multiple", "truefalse", "blank", "short"}


def test_difficulty_is_spread_about_30_50_20(items):
    for code, category_items in by_category(items).items():
        levels = collections.Counter(i.level for i in category_items)
        share = {level: levels[level] / len(category_items) for level in ("easy", "medium", "hard")}
        assert 0.2 <= share["easy"] <= 0.4 and 0.4 <= share["medium"] <= 0.6 and 0.1 <= share["hard"] <= 0.3, \
            (code, share)


def test_keys_explanations_and_knowledge_points(items):
    for item in items:
        where = item.uid
        if item.type in ("single",):
            assert isinstance(item.answer, str) and len(item.answer) == 1, where
        if item.type == "truefalse":
            assert isinstance(item.answer, bool), where
        if item.type == "multiple":
            assert len(set(item.answer)) >= 2, where
        if item.type == "short":
            assert item.scoring_points and sum(p.points for p in item.scoring_points) == item.points, where
        assert html_to_text(item.explanation), where
        assert item.knowledge_points and all(p.strip() for p in item.knowledge_points), where


def test_no_two_stems_are_the_same(items):
    seen = {}
    for item in items:
        text = normalize(item.stem)
        assert text not in seen, (item.uid, seen.get(text))
        seen[text] = item.uid
    assert len({i.uid for i in items}) == len(items)


def test_a_few_items_per_category_carry_an_image_that_is_present(items):
    images = {p.name for p in (DEMO / "media").glob("*.*")}
    with_images = collections.Counter()
    for item in items:
        names = set(re.findall(r"/media/([0-9a-f]{64}\.\w+)", item.stem)) | {o.image for o in item.options if o.image}
        assert names <= images, item.uid
        if names:
            with_images[item.category] += 1
    assert all(with_images[code] >= 3 for code in CODES), with_images


C_PROGRAM = re.compile(r"<pre><code>(.*?)</code></pre>", re.S)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="no C compiler on this machine")
def test_c_programs_compile_and_print_what_the_key_says(items, tmp_path):
    programs = [(i, html.unescape(m.group(1))) for i in items
                if (m := C_PROGRAM.search(i.stem)) and "#include" in m.group(1)]
    assert len(programs) >= 3
    for number, (item, source) in enumerate(programs):
        path = tmp_path / f"p{number}.c"
        path.write_text(source, encoding="utf-8")
        build = subprocess.run(["gcc", "-std=c99", "-o", str(tmp_path / f"p{number}"), str(path)],
                               capture_output=True, text=True, timeout=60)
        assert build.returncode == 0, (item.uid, build.stderr)
        run = subprocess.run([str(tmp_path / f"p{number}")], capture_output=True, text=True, timeout=10)
        output = run.stdout.strip()
        if item.type == "truefalse":  # the stem claims an output; the key says whether it is right
            claim = html_to_text(C_PROGRAM.sub("", item.stem))
            assert (output in claim) is item.answer, item.uid
        else:
            assert output == key_text(item).strip(), item.uid


_ALLOWED_NAMES = {name: getattr(math, name) for name in
                  ("sqrt", "pi", "log10", "log", "sin", "cos", "tan", "radians")} | {"round": round}
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Call, ast.Name, ast.Load,
                  ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.USub, ast.UAdd, ast.FloorDiv)


def evaluate(expression: str) -> float:
    tree = ast.parse(expression, mode="eval")
    for node in ast.walk(tree):
        assert isinstance(node, _ALLOWED_NODES), ast.dump(node)
        assert not isinstance(node, ast.Name) or node.id in _ALLOWED_NAMES, node.id
    return eval(compile(tree, "<check>", "eval"), {"__builtins__": {}}, dict(_ALLOWED_NAMES))  # noqa: S307


def test_calculation_keys_follow_from_the_stated_numbers(items):
    by_uid = {i.uid: i for i in items}
    checks = [entry for path in sorted(CHECKS.glob("*.json"))
              for entry in json.loads(path.read_text(encoding="utf-8"))]
    assert len(checks) >= 20
    for entry in checks:
        item = by_uid[entry["uid"]]
        number = re.search(r"-?\d+(?:\.\d+)?", key_text(item).replace(",", "").replace(" ", ""))
        assert number, entry["uid"]
        assert evaluate(entry["expr"]) == pytest.approx(float(number.group()), rel=0.01), entry


def test_the_safe_evaluator_refuses_anything_but_arithmetic():
    assert evaluate("sqrt(3) * 220") == pytest.approx(381.05, rel=1e-4)
    for hostile in ("__import__('os')", "open('x')", "(1).__class__"):
        with pytest.raises(AssertionError):
            evaluate(hostile)
