from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..forms import choice, choices, to_int
from ..labels import ROLE_LABELS
from ..models import ROLES


def _role_choices():
    return [choice(role, ROLE_LABELS[role]) for role in ROLES]


class UserFilterForm(FlaskForm):
    """The filters above the user list: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    role = SelectField(_l("角色"), validate_choice=False)
    school = SelectField(_l("学校"), validate_choice=False)
    klass = SelectField(_l("班级"), validate_choice=False)
    status = SelectField(_l("状态"), choices=choices([("", _l("全部")), ("locked", _l("已锁定")),
                                                      ("disabled", _l("已禁用"))]), validate_choice=False)
    q = StringField(_l("用户名或姓名"))

    def fill_choices(self, schools, classes) -> None:
        self.role.choices = [choice("", _l("全部"))] + _role_choices()
        self.school.choices = [choice("", _l("全部学校"))] + [choice(str(s.id), s.name) for s in schools]
        self.klass.choices = [choice("", _l("全部班级"))] + [choice(str(c.id), f"{c.school.name} {c.name}")
                                                              for c in classes]

    def id_of(self, field) -> int | None:
        return to_int(field.data) if (field.data or "").isdigit() else None


class _UserFields(FlaskForm):
    name = StringField(_l("姓名"), validators=[Length(max=64)])
    role = SelectField(_l("角色"), choices=_role_choices, default="student")
    school = StringField(_l("学校"), validators=[Length(max=100)],
                         description=_l("输入学校名称；没有的学校会自动新建"))
    class_name = StringField(_l("班级"), validators=[Length(max=64)],
                             description=_l("填写班级时必须同时填写学校"))


class NewUserForm(_UserFields):
    username = StringField(_l("用户名（学生填学号）"),
                           validators=[DataRequired(_l("请输入用户名")), Length(max=64)])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(_l("请输入初始密码"))])
    must_change_password = BooleanField(_l("首次登录须修改密码"), default=True)
    submit = SubmitField(_l("添加用户"))


class EditUserForm(_UserFields):
    submit = SubmitField(_l("保存"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码"))],
                             description=_l("用户下次登录时须修改此密码"))
    submit = SubmitField(_l("重置密码"))


class ImportForm(FlaskForm):
    file = FileField(_l("名单文件"), validators=[
        FileRequired(_l("请选择要导入的文件")),
        FileAllowed(["csv", "xlsx"], _l("请上传 .csv 或 .xlsx 文件（旧版 .xls 请先另存为 .xlsx）"))])
    default_password = StringField(_l("默认初始密码"),
                                   description=_l("“初始密码”一列留空的学生使用此密码；不填则每行都须有初始密码"))
    submit = SubmitField(_l("导入"))


class CategoryForm(FlaskForm):
    code = StringField(_l("代码"), validators=[DataRequired(_l("请输入代码")), Length(max=16)])
    name = StringField(_l("名称"), validators=[DataRequired(_l("请输入名称")), Length(max=64)])
    submit = SubmitField(_l("添加大类"))


class NameForm(FlaskForm):
    """Adding a subject or knowledge point, or renaming any node."""

    name = StringField(_l("名称"), validators=[DataRequired(_l("请输入名称")), Length(max=100)])
