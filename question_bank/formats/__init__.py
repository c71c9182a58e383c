"""Readers and writers of item-bank file formats, one module per format."""
