"""Blueprints (组卷方案), assembly, hand-picked papers, preview and PDF downloads."""
