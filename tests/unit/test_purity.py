"""question_bank stays pure: no Flask, no SQLAlchemy, no exam_server."""
import ast
from pathlib import Path

import question_bank

FORBIDDEN = ("flask", "flask_", "sqlalchemy", "exam_server", "werkzeug")


def test_question_bank_imports_no_web_or_database_layer():
    root = Path(question_bank.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0].startswith(FORBIDDEN)]
    assert offenders == []
