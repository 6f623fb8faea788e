"""Spine-clinic patient FAQ assistant: settings, answer pipeline, CLI."""
