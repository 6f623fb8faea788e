"""Regression question sets and the runner that gates releases."""
