"""The ten 技能高考 categories and the subjects each one tests.

This is the seed for a new server; admins edit the taxonomy afterwards, so no
code depends on these names beyond seeding.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategorySeed:
    code: str
    name: str
    subjects: tuple[str, ...]


TEN_CATEGORIES: tuple[CategorySeed, ...] = (
    CategorySeed("JX", "机械类", ("机械制图", "机械基础", "金属加工与实训", "工种知识")),
    CategorySeed("DQ", "电气电子类", ("电工技术基础与技能", "电子技术基础与技能", "家用电器维修")),
    CategorySeed("JSJ", "计算机类", (
        "计算机基础知识", "Windows 操作系统", "计算机网络应用", "Word", "Excel",
        "PowerPoint", "C 语言", "Access 数据库", "Photoshop")),
    CategorySeed("JZ", "建筑技术类", ("建筑识图与构造", "建筑材料", "建筑施工技术", "建筑工程资料管理")),
    CategorySeed("LY", "旅游类", ("导游基础知识", "导游业务", "酒店服务")),
    CategorySeed("NX", "农学类", ("植物基础知识", "植物生长与环境", "种植技术", "养殖技术")),
    CategorySeed("CJ", "财经类", ("会计基础", "财经法规与会计职业道德", "电子商务", "市场营销")),
    CategorySeed("XQ", "学前教育专业", ("幼儿教育学", "幼儿心理学", "学前儿童卫生与保健")),
    CategorySeed("HL", "护理专业", ("基础护理", "内科护理", "外科护理", "健康评估")),
    CategorySeed("QC", "汽车维修类", ("汽车构造", "汽车电气设备", "汽车维护与保养")),
)
