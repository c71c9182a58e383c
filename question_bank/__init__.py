"""The exam system's domain: items, item types, taxonomy, formats and grading.

Pure Python. Nothing here imports Flask, SQLAlchemy or ``exam_server``; a unit
test enforces it.
"""
