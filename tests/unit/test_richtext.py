"""Sanitising rich text, plain-text views and near-duplicate detection."""
from question_bank.richtext import html_to_text, media_names, sanitize, text_to_html
from question_bank.similarity import near_duplicates, similarity

IMG = "/media/" + "a" * 64 + ".png"


def test_scripts_handlers_styles_and_foreign_images_are_removed():
    dirty = ('<p onclick="x()" style="color:red">题<script>alert(1)</script>干</p>'
             '<img src="http://evil.example/x.png"><img src="javascript:alert(1)">'
             '<a href="http://x">链接</a><iframe src="x"></iframe>')
    clean = sanitize(dirty)
    assert clean == "<p>题干</p>链接"


def test_allowed_markup_survives():
    html = (f'<p><b>粗</b><sub>2</sub><sup>3</sup></p><table><tbody><tr><td colspan="2">表</td></tr></tbody></table>'
            f'<img src="{IMG}" alt="图"><pre><code>#include &lt;stdio.h&gt;</code></pre>')
    assert sanitize(html) == html


def test_plain_text_becomes_escaped_paragraphs():
    assert text_to_html("第一行\n#include <stdio.h>\n\n第二段") == \
        "<p>第一行<br>#include &lt;stdio.h&gt;</p><p>第二段</p>"


def test_text_view_and_media_names():
    assert html_to_text(f"<p>H<sub>2</sub>O</p><p>水 &amp; 冰</p><img src=\"{IMG}\">") == "H2O\n水 & 冰[图]"
    assert media_names(f'<p><img src="{IMG}"></p>') == {"a" * 64 + ".png"}


def test_similarity_ignores_width_punctuation_and_markup():
    assert similarity("<p>下列属于输入设备的是（　）。</p>", "下列属于输入设备的是( )") == 1.0
    assert similarity("下列属于输入设备的是", "下列属于输出设备的是") > 0.6
    assert similarity("欧姆定律", "基尔霍夫电流定律的内容") < 0.5


def test_near_duplicates_are_ranked_and_thresholded():
    candidates = [(1, "下列设备中属于输入设备的是"), (2, "计算机的中央处理器由什么组成"),
                  (3, "下列设备中，属于输入设备的是？")]
    found = near_duplicates("下列设备中属于输入设备的是（ ）", candidates)
    assert [key for key, _ in found] == [1, 3]
