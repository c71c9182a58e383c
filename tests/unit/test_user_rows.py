"""Reading and checking a student roster, without the database."""
import io

from openpyxl import Workbook

from exam_server.services.user_import import parse_students, template_csv

HEADER = "学号,姓名,班级,学校,初始密码\r\n"


def parse(text, encoding="utf-8", filename="名单.csv", **options):
    return parse_students(text.encode(encoding), filename, **options)


def messages(problems):
    return [str(p) for p in problems]


def test_utf8_rows_become_students():
    rows, problems = parse(HEADER + "2024001,张三,计算机1班,示范中职,abc123\r\n2024002,李四,,,abc456\r\n")
    assert problems == []
    assert [(r.username, r.name, r.class_name, r.school, r.password) for r in rows] == [
        ("2024001", "张三", "计算机1班", "示范中职", "abc123"), ("2024002", "李四", "", "", "abc456")]
    assert rows[0].where == "名单.csv:第 2 行"


def test_bom_gbk_and_gb18030_are_detected():
    text = HEADER + "2024001,张三,计算机1班,示范中职,abc123\r\n"
    for encoding in ("utf-8-sig", "gbk", "gb18030", "utf-16"):
        rows, problems = parse(text, encoding)
        assert problems == [] and rows[0].name == "张三", encoding


def test_headers_may_have_spaces_and_any_order_and_extra_columns():
    rows, problems = parse(" 姓名 ,性别, 学号,学校,班级,初始密码 \n张三,男,2024001,示范中职,1班,abc123\n")
    assert problems == [] and rows[0].username == "2024001" and rows[0].class_name == "1班"


def test_tab_separated_text_is_read():
    rows, problems = parse("学号\t姓名\t班级\t学校\t初始密码\n2024001\t张三\t1班\t示范中职\tabc123\n")
    assert problems == [] and rows[0].school == "示范中职"


def test_missing_columns_are_named():
    rows, problems = parse("学号,名字,初始密码\n2024001,张三,abc123\n")
    assert rows == []
    assert messages(problems) == ["名单.csv:第 1 行: 缺少列：姓名、班级、学校（表头须有学号、姓名、班级、学校、初始密码这几列）"]


def test_password_column_may_be_left_out_with_a_default():
    rows, problems = parse("学号,姓名,班级,学校\n2024001,张三,1班,示范中职\n", default_password="start-123")
    assert problems == [] and rows[0].password == "start-123"


def test_blank_password_uses_the_default_or_is_an_error():
    text = HEADER + "2024001,张三,1班,示范中职,\n"
    rows, problems = parse(text, default_password="start-123")
    assert problems == [] and rows[0].password == "start-123"
    _, problems = parse(text)
    assert messages(problems) == ["名单.csv:第 2 行: 初始密码为空，且未指定默认密码"]


def test_every_bad_row_is_named():
    text = (HEADER + "2024001,张三,1班,示范中职,abc123\n"
            ",李四,1班,示范中职,abc123\n"           # row 3: no 学号
            "2024003,,1班,示范中职,abc123\n"        # row 4: no 姓名
            "2024004,王五,1班,示范中职,123\n"        # row 5: short password
            "2024005,赵六,1班,,abc123\n"            # row 6: class without school
            "2024 006,钱七,,,abc123\n"              # row 7: space in 学号
            "2.02401E+11,孙八,,,abc123\n")          # row 8: Excel's scientific notation
    _, problems = parse(text, min_password_length=6)
    assert messages(problems) == [
        "名单.csv:第 3 行: 学号不能为空",
        "名单.csv:第 4 行: 姓名不能为空",
        "名单.csv:第 5 行: 初始密码至少 6 位",
        "名单.csv:第 6 行: 填写了班级但没有填写学校",
        "名单.csv:第 7 行: 学号不能含空格，且不超过 64 个字符",
        "名单.csv:第 8 行: 学号“2.02401E+11”被 Excel 存成了科学计数法：请把学号列设为文本格式后重新保存",
    ]


def test_duplicate_student_number_names_both_rows():
    _, problems = parse(HEADER + "2024001,张三,,,abc123\n2024002,李四,,,abc123\n2024001,王五,,,abc123\n")
    assert messages(problems) == ["名单.csv:第 4 行: 学号“2024001”重复：第 2 行和第 4 行"]


def test_blank_lines_are_skipped_but_rows_keep_their_numbers():
    rows, problems = parse("\n" + HEADER + ",,,,\n2024001,张三,,,abc123\n\n")
    assert problems == [] and len(rows) == 1 and rows[0].where == "名单.csv:第 4 行"


def test_empty_and_unreadable_files():
    assert messages(parse("")[1]) == ["名单.csv: 文件是空的"]
    assert messages(parse(HEADER)[1]) == ["名单.csv: 文件中没有学生数据"]
    assert "无法识别文件编码" in messages(parse_students(b"\xff\x00\xfe\x81\x30\xff", "x.csv")[1])[0]
    assert "无法读取该 Excel 文件" in messages(parse_students(b"PK\x03\x04broken", "x.xlsx")[1])[0]
    assert "旧版 .xls" in messages(parse_students(b"\xd0\xcf\x11\xe0rest", "x.xls")[1])[0]


def test_short_default_password_is_one_error():
    _, problems = parse(HEADER + "2024001,张三,,,\n2024002,李四,,,\n", default_password="abc")
    assert messages(problems) == ["default_password: 默认密码至少 6 位"]


def xlsx(rows, title="Sheet1"):
    """An xlsx file whose first sheet holds ``rows``."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_first_sheet_with_numbers_as_text():
    data = xlsx([["学号", "姓名", "班级", "学校", "初始密码"],
                  [2024001, "张三", "1班", "示范中职", 123456],
                  [None, "李四", "1班", "示范中职", "abc123"]], title="学生")
    rows, problems = parse_students(data, "名单.xlsx")
    assert rows[0].username == "2024001" and rows[0].password == "123456"
    assert messages(problems) == ["名单.xlsx!学生 第 3 行: 学号不能为空"]


def test_template_is_a_valid_empty_roster():
    assert messages(parse_students(template_csv(), "students.csv")[1]) == ["students.csv: 文件中没有学生数据"]
