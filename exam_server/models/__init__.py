"""SQLAlchemy models; Alembic (migrations/) owns the schema they describe."""
from .accounts import ROLES, School, SchoolClass, User
from .exams import ATTEMPT_STATUSES, REVIEW_LEVELS, Attempt, Exam, ExamCandidate, ExamEvent, ExamPaper, Response, exam_class
from .items import Item, ItemEvent, ItemVersion, Media, Tag, item_knowledge_point, item_tag
from .papers import Blueprint, Paper, PaperItem
from .taxonomy import Category, KnowledgePoint, Subject
from .types import UTCDateTime, utcnow

__all__ = [
    "ROLES", "School", "SchoolClass", "User", "Category", "Subject", "KnowledgePoint",
    "Item", "ItemVersion", "ItemEvent", "Media", "Tag", "item_knowledge_point", "item_tag",
    "Blueprint", "Paper", "PaperItem", "UTCDateTime", "utcnow",
    "Exam", "ExamPaper", "ExamCandidate", "Attempt", "Response", "ExamEvent", "exam_class",
    "ATTEMPT_STATUSES", "REVIEW_LEVELS",
]
