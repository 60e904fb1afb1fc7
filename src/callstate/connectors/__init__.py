"""Connectors: one package per vendor behind a small protocol per capability (`ports`)."""
