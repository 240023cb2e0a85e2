"""Helpers several test suites share (real servers started for a test, input writers)."""
