"""In Chromium: a teacher logs in, writes an item with the editor, and finds it in the list."""
from ..conftest import PASSWORD


def _watch_errors(page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def login(page, base, username):
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(base + "/items/")


def test_teacher_creates_an_item_and_finds_it_in_the_list(live_server, make_account, page):
    make_account("t1", name="张老师")
    errors = _watch_errors(page)
    login(page, live_server, "t1")
    page.click("text=新建试题")
    page.select_option("#item-type", "single")
    page.select_option("#category_id", label="计算机类")
    page.select_option("#subject_id", label="Excel")
    page.locator(".rich-editor .rich-area").first.click()
    page.keyboard.type("在 Excel 中，用于计算一组数值平均值的函数是")
    options = page.locator(".option-row .rich-area")
    for index, text in enumerate(["SUM", "AVERAGE", "MAX", "COUNT"]):
        options.nth(index).click()
        page.keyboard.type(text)
    page.check(".option-row[data-index='1'] input[name='answer_single']")
    page.locator(".rich-editor .rich-area").last.click()
    page.keyboard.type("AVERAGE 返回参数的算术平均值。")
    page.click("#save")
    page.wait_for_url(live_server + "/items/*")
    assert "已保存" in page.content() or "草稿" in page.content()

    page.goto(live_server + "/items/")
    page.fill("#q", "平均值")
    page.click("text=筛选")
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 1
    row_text = rows.first.inner_text()
    assert "在 Excel 中，用于计算一组数值平均值的函数是" in row_text
    assert "单选题" in row_text and "Excel" in row_text and "草稿" in row_text and "张老师" in row_text

    rows.first.locator("a").nth(1).click()
    detail = page.content()
    assert "AVERAGE 返回参数的算术平均值。" in detail
    assert errors == []


def test_a_student_sees_no_authoring_pages(live_server, make_account, page):
    make_account("s1", role="student", name="王同学")
    page.goto(live_server + "/login")
    page.fill("#username", "s1")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(live_server + "/")
    assert "欢迎，王同学" in page.content()
    response = page.goto(live_server + "/items/new")
    assert response.status == 403
