"""Vendor-free types of a call and its side effects. Pure: no I/O, no clock, no vendor names."""
