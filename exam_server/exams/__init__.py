"""Teachers' and proctors' exam pages: exams, the proctor console, the audit log, regrading."""
