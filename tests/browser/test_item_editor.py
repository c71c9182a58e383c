"""In Chromium: the item editor's toolbar, image uploads, type switching, category narrowing and preview."""
from PIL import Image

from ..conftest import PASSWORD


def login(page, base):
    page.goto(base + "/login")
    page.fill("#username", "t1")
    page.fill("#password", PASSWORD)
    page.click("#submit")


def test_editor_formats_text_uploads_images_and_saves(live_server, make_account, page, tmp_path):
    make_account("t1", name="张老师")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append("console:" + m.text) if m.type == "error" and "404" not in m.text else None)
    login(page, live_server)
    page.goto(live_server + "/items/new")
    page.select_option("#category_id", label="计算机类")
    page.select_option("#subject_id", label="Excel")
    stem = page.locator(".rich-editor .rich-area").first
    stem.click()
    page.keyboard.type("Excel 中求和的函数是")
    page.keyboard.press("Control+a")
    page.locator(".rich-editor").first.locator("button[title='粗体']").click()
    areas = page.locator(".option-row .rich-area")
    for i, text in enumerate(["SUM", "AVERAGE", "MAX", "COUNT"]):
        areas.nth(i).click()
        page.keyboard.type(text)
    page.check(".option-row[data-index='0'] input[name='answer_single']")
    png = tmp_path / "pic.png"
    Image.new("RGB", (60, 40), "green").save(png)
    page.locator(".option-row[data-index='1'] .option-file").set_input_files(str(png))
    page.wait_for_selector(".option-row[data-index='1'] .option-image-box", state="visible")
    # insert image into stem via toolbar
    stem.click()
    page.locator(".rich-editor").first.locator("input[type=file]").set_input_files(str(png))
    page.wait_for_selector(".rich-editor .rich-area img")
    page.click("#add-option")
    page.click("#save")
    page.wait_for_url("**/items/*")
    body = page.content()
    assert "<b>" in body or "<strong>" in body
    # the stem's image and option B's image both come back from the media store
    assert page.locator(".item img[src^='/media/']").count() >= 2
    assert not errors


def test_type_switching_category_narrowing_preview_and_bulk_controls(live_server, make_account, page, tmp_path):
    make_account("t1", name="张老师")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server)
    page.goto(live_server + "/items/new")
    assert page.locator(".option-row[data-index='0'] input[type=checkbox][name$='correct']").is_hidden()
    assert page.locator(".option-row[data-index='0'] input[name='answer_single']").is_visible()
    assert page.locator(".option-row[data-index='4']").is_hidden()
    page.select_option("#item-type", "multiple")
    assert page.locator(".option-row[data-index='0'] input[type=checkbox][name$='correct']").is_visible()
    assert page.locator(".option-row[data-index='0'] input[name='answer_single']").is_hidden()
    page.select_option("#item-type", "truefalse")
    assert page.locator(".options-editor").is_hidden()
    page.select_option("#item-type", "short")
    page.select_option("#category_id", label="护理专业")
    labels = page.locator("#subject_id option").all_inner_texts()
    assert "基础护理" in labels and "Excel" not in labels, labels
    # fill a short answer item and preview in a new tab
    page.select_option("#subject_id", label="基础护理")
    page.locator(".rich-editor .rich-area").first.click()
    page.keyboard.type("简述无菌操作原则。")
    with page.expect_popup() as popup_info:
        page.click("#preview")
    popup = popup_info.value
    popup.wait_for_load_state()
    assert "简述无菌操作原则" in popup.content() and "简答题必须有参考答案" in popup.content()
    page.goto(live_server + "/items/")
    assert page.locator("#bulk-subject").is_hidden()
    page.select_option("#bulk-action", "move")
    assert page.locator("#bulk-subject").is_visible()
    page.select_option("#category", label="计算机类")
    assert "Excel" in page.locator("#subject option").all_inner_texts()
    assert not errors, errors
