"""Students' pages: my exams, the exam page, results."""
