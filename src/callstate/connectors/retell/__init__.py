"""Retell: webhook signatures and payloads in, domain call events out."""
