"""Fixtures of the integration tests: `synced` lives in tests/conftest.py (suppliers tests use it too)."""
