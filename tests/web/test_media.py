"""Item images: upload from the editor (teachers), serving to logged-in users."""
import io
import os
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Media

from .test_items import login_with_token


def png_bytes(size=(40, 30), color="blue"):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def noisy_png(side):
    """A PNG that does not compress: random pixels."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, data, filename, **kw):
    return client.post("/media/upload", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", **kw)


def media_count():
    return db.session.scalar(select(func.count(Media.id)))


def stored_files(app):
    root = os.path.join(app.instance_path, "media")
    return [name for _, _, names in os.walk(root) for name in names]


def test_teacher_uploads_an_image_and_any_user_sees_it(app, client, auth, teacher, student):
    data = png_bytes()
    auth.login("teacher1")
    response = upload(client, data, "电路图.png")
    assert response.status_code == 200
    reply = response.get_json()
    assert re.fullmatch(r"[0-9a-f]{64}\.png", reply["name"]) and reply["url"] == f"/media/{reply['name']}"
    assert media_count() == 1
    auth.logout()

    auth.login("s001")
    image = client.get(reply["url"])
    assert image.status_code == 200 and image.data == data
    assert image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.cache_control.max_age >= 30 * 24 * 3600 and image.cache_control.private
    assert client.get(reply["url"], headers={"If-None-Match": image.headers["ETag"]}).status_code == 304


def test_the_same_image_twice_is_stored_once(app, client, auth, teacher):
    auth.login("teacher1")
    first = upload(client, png_bytes(), "a.png").get_json()
    second = upload(client, png_bytes(), "b.png").get_json()
    assert first["name"] == second["name"] and media_count() == 1 and len(stored_files(app)) == 1


@pytest.mark.app_config(MAX_IMAGE_BYTES=50_000)
def test_an_oversized_image_is_refused_naming_the_file(app, client, auth, teacher):
    auth.login("teacher1")
    response = upload(client, noisy_png(200), "大图.png")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "大图.png" in error and "图片过大" in error
    assert media_count() == 0 and stored_files(app) == []


def test_a_file_that_is_not_an_image_is_refused(app, client, auth, teacher):
    auth.login("teacher1")
    response = upload(client, b"<script>alert(1)</script>", "notes.png")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "notes.png" in error and "不是可用的图片文件" in error
    assert media_count() == 0 and stored_files(app) == []


def test_an_upload_without_a_file_is_refused_in_chinese(client, auth, teacher):
    auth.login("teacher1")
    response = client.post("/media/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "请选择要上传的图片文件" in response.get_json()["error"]


def test_students_cannot_upload_and_anonymous_users_see_nothing(client, auth, teacher, student):
    auth.login("teacher1")
    url = upload(client, png_bytes(), "a.png").get_json()["url"]
    auth.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert upload(client, png_bytes(color="red"), "b.png").status_code == 302
    auth.login("s001")
    assert upload(client, png_bytes(color="red"), "b.png").status_code == 403
    assert media_count() == 1


@pytest.mark.parametrize("name", [
    "upload", "../secret_key", "..%2Fsecret_key", "ABC.png", "0" * 64 + ".svg", "0" * 64 + ".png",
])
def test_names_that_are_not_stored_media_are_not_found(client, auth, student, name):
    auth.login("s001")
    assert client.get(f"/media/{name}").status_code == 404


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_upload_takes_the_csrf_token_from_the_header(client, teacher):
    login_with_token(client, "teacher1")
    assert upload(client, png_bytes(), "a.png").status_code == 400
    assert media_count() == 0
    page = client.get("/items/new").get_data(as_text=True)
    token = re.search(r'"csrfToken": "([^"]+)"', page).group(1)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    response = upload(client, png_bytes(), "a.png", headers=headers)
    assert response.status_code == 200 and media_count() == 1
