"""Coaching engine: weekly skill assessment, coaching log and escalation rules (pure logic on polars frames)."""
