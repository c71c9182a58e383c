"""The JSON API under /api/v1: what the exam page and scripts use. Described at /api/v1/openapi.json."""
