"""The printed paper, answer sheet and key: text that can be extracted, and a PDF that opens."""
import hashlib
import io
import re
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from question_bank.model import Item, Option, ScoringPoint
from question_bank.paper import Paper, PaperSection
from question_bank.pdf import FontError, render_answer_sheet, render_key, render_paper
from question_bank.pdf.fonts import MONO_FILE

TITLE = "2026年湖北省技能高考 计算机类 专业知识 模拟试卷（一）"


def _png() -> bytes:
    image = Image.new("RGB", (240, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 220, 100), outline="black", width=3)
    draw.line((20, 60, 220, 60), fill="black", width=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


PNG = _png()
PNG_NAME = hashlib.sha256(PNG).hexdigest() + ".png"
ABCD = tuple(Option(i, t) for i, t in zip("ABCD", ("2 Ω", "4 Ω", "6 Ω", "8 Ω")))
LONG = tuple(Option(i, f"这是一个比较长的选项内容，用来检验每行排两个选项{i}") for i in "ABCD")
LONGER = tuple(Option(i, f"这是一个非常长的选项内容，长到一行只能排下一个选项，因为它的文字实在是太多了，{i}")
               for i in "ABCD")
CODE = ("<pre><code>#include &lt;stdio.h&gt;\nint main(void) {\n    int a = 3;\n"
        "    if (a &gt; 2 &amp;&amp; a &lt; 5) printf(\"%d\", a);\n    return 0;\n}</code></pre>")

STEMS = {
    "tf1": "<p>在 Excel 中，公式必须以等号“=”开头。</p>",
    "tf2": "<p>二进制数 1010<sub>2</sub> 等于十进制数 10。</p>",
    "s1": "<p>电阻 R<sub>1</sub> = 3 Ω 与 R<sub>2</sub> = 6 Ω 并联后的总电阻为（ ）。</p>",
    "s2": "<p>下列 C 程序的输出结果是（ ）。</p>" + CODE,
    "s3": "<p>下表中，<b>不正确</b>的一项是（ ）。</p><table><tr><th>设备</th><th>类别</th></tr>"
          "<tr><td>键盘</td><td>输入设备</td></tr><tr><td>显示器</td><td>输出设备</td></tr></table>",
    "s4": "<p>如图所示的电路图中，电容 C = 10<sup>-6</sup> F，其单位换算正确的是（ ）。</p>"
          f'<p><img src="/media/{PNG_NAME}"></p>',
    "m1": "<p>下列属于计算机输入设备的有（ ）。</p>",
    "b1": "<p>十进制数 13 转换成二进制数为______。</p>",
    "b2": "<p>欧姆定律的表达式为______，功率的单位是______。</p>",
    "sh1": "<p>简述在 Word 中插入页码的操作步骤。</p>",
}


def _items():
    return {
        "truefalse": (Item("truefalse", STEMS["tf1"], answer=True, points=2, explanation="<p>公式以“=”开头。</p>"),
                      Item("truefalse", STEMS["tf2"], answer=True, points=2)),
        "single": (Item("single", STEMS["s1"], ABCD, "A", points=3, explanation="<p>3×6/(3+6)=2 Ω。</p>"),
                   Item("single", STEMS["s2"], LONG, "B", points=3),
                   Item("single", STEMS["s3"], LONGER, "C", points=3),
                   Item("single", STEMS["s4"], ABCD, "D", points=3)),
        "multiple": (Item("multiple", STEMS["m1"], tuple(Option(i, t) for i, t in zip(
            "ABCDE", ("键盘", "鼠标", "扫描仪", "打印机", "显示器"))), ("A", "B", "C"), points=4),),
        "blank": (Item("blank", STEMS["b1"], answer=(("1101", "1101B"),), points=2),
                  Item("blank", STEMS["b2"], answer=(("I=U/R",), ("瓦特", "W")), points=4)),
        "short": (Item("short", STEMS["sh1"], answer="<p>单击“插入”选项卡，选择“页码”。</p>", points=6,
                       scoring_points=(ScoringPoint("打开插入选项卡", 3), ScoringPoint("选择页码位置和格式", 3)),
                       explanation="<p>页码在“插入”选项卡中。</p>"),),
    }


def make_paper(form="A"):
    items = _items()
    sections = (
        PaperSection("truefalse", 2, "all_or_nothing", "", items["truefalse"]),
        PaperSection("single", 3, "all_or_nothing", "", items["single"]),
        PaperSection("multiple", 4, "half_for_subset", "", items["multiple"]),
        PaperSection("blank", 2, "all_or_nothing", "", items["blank"]),
        PaperSection("short", 6, "all_or_nothing", "请写出主要操作步骤。", items["short"]),
    )
    return Paper(TITLE, "JSJ", 60, sections, form=form)


def load_image(name):
    return PNG if name == PNG_NAME else None


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def paper():
    return make_paper()


@pytest.fixture(scope="module")
def paper_pdf(paper):
    return render_paper(paper, school_header="湖北省中职学校联考", load_image=load_image)


def test_the_paper_has_its_title_form_headings_and_page_footer(paper_pdf):
    text = squeeze(text_of(paper_pdf))
    assert paper_pdf.startswith(b"%PDF")
    assert squeeze(TITLE) in text and "A卷" in text and "湖北省中职学校联考" in text
    assert "一、判断题（本大题共2小题，每小题2分，共4分）" in text
    assert "二、单项选择题（本大题共4小题，每小题3分，共12分）" in text
    assert "三、多项选择题（本大题共1小题，每小题4分，共4分）" in text
    assert "四、填空题（本大题共2小题，每小题2分，共4分）" in text
    assert "五、简答题（本大题共1小题，每小题6分，共6分）" in text
    assert "第1页共" in text and "题号" in text and "得分" in text


def test_every_stem_is_printed_with_its_number(paper_pdf):
    text = squeeze(text_of(paper_pdf))
    for stem in STEMS.values():
        first_line = re.sub(r"<[^>]+>", "", stem.split("</p>")[0]).replace("&lt;", "<")
        assert squeeze(first_line)[:14] in text
    for number in range(1, 11):
        assert f"{number}." in text


def test_rich_text_code_table_and_options_are_printed(paper_pdf):
    text = squeeze(text_of(paper_pdf))
    assert "#include<stdio.h>" in text and "if(a>2&&a<5)" in text
    assert "键盘" in text and "输入设备" in text and "不正确" in text
    assert "A.2Ω" in text and "D.8Ω" in text


def test_multiple_choice_instruction_names_its_scoring_rule(paper_pdf):
    assert "少选得一半分" in squeeze(text_of(paper_pdf))


def test_a_section_instruction_replaces_the_default(paper_pdf):
    assert "请写出主要操作步骤。" in squeeze(text_of(paper_pdf))


def test_the_sealing_strip_is_on_the_first_page(paper_pdf):
    first = squeeze(PdfReader(io.BytesIO(paper_pdf)).pages[0].extract_text())
    assert "密封线内不要答题" in first and "考号" in first


def test_fonts_are_embedded(paper_pdf):
    reader = PdfReader(io.BytesIO(paper_pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font.get("/FontDescriptor")
        assert descriptor is not None and "/FontFile2" in descriptor.get_object()


@pytest.mark.parametrize("layout", ["a3", "b4"])
def test_landscape_layouts_render_in_two_columns(paper, layout):
    pdf = render_paper(paper, layout=layout, load_image=load_image)
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert box.width > box.height
    text = squeeze(text_of(pdf))
    assert squeeze(TITLE) in text and "第1页共" in text and "第2页共" in text


def test_an_unknown_layout_is_refused(paper):
    with pytest.raises(ValueError, match="未知版式"):
        render_paper(paper, layout="letter")


def test_a_missing_font_file_is_named_in_chinese(paper):
    with pytest.raises(FontError, match="找不到字体文件"):
        render_paper(paper, font_path="/nonexistent/simhei.ttf")


def test_a_missing_image_prints_a_placeholder():
    pdf = render_paper(make_paper(form=""))
    text = squeeze(text_of(pdf))
    assert "图片缺失" in text and "A卷" not in text


def test_the_answer_sheet_has_bubbles_per_objective_item(paper):
    text = squeeze(text_of(render_answer_sheet(paper)))
    assert "答题卡" in text and squeeze(TITLE) in text and "姓名" in text
    for number in range(1, 8):
        assert re.search(rf"(?<!\d){number}\[", text), number
    assert "[√][×]" in text and "[A][B][C][D][E]" in text
    assert "8.____" in text and "9.（1）____" in text and "10." in text


def test_the_key_has_answers_scoring_points_and_explanations(paper):
    text = squeeze(text_of(render_key(paper)))
    assert "参考答案及评分标准" in text
    assert "题号12答案√√" in text and "题号3456答案ABCD" in text and "题号7答案ABC" in text
    assert "8.【答案】1101或1101B" in text and "（1）I=U/R；（2）瓦特或W" in text
    assert "打开插入选项卡（3分）" in text and "3×6/(3+6)=2Ω" in text


def test_page_one_renders_with_pdftoppm(paper_pdf, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    source = tmp_path / "paper.pdf"
    source.write_bytes(paper_pdf)
    command = ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    with Image.open(png) as image:
        assert image.size[0] > 300 and image.getextrema() != ((255, 255), (255, 255), (255, 255))


def test_a_font_path_puts_that_font_first(paper):
    pdf = render_paper(paper, font_path=MONO_FILE)
    assert b"DejaVuSansMono" in pdf and squeeze(TITLE) in squeeze(text_of(pdf))


def test_the_same_paper_gives_the_same_bytes(paper, paper_pdf):
    assert render_paper(paper, school_header="湖北省中职学校联考", load_image=load_image) == paper_pdf
