"""The image upload form (the CSRF token comes as a form field or an ``X-CSRFToken`` header)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class UploadForm(FlaskForm):
    file = FileField(_l("图片"), validators=[FileRequired(_l("请选择要上传的图片文件"))])
