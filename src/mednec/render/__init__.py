"""Determination -> text for people: terminal report, Markdown summary, JSON."""
