"""Helpers shared by the tests: seeded databases for the engine and reports, the web test client, fixture paths."""
