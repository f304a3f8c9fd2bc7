"""Helpers the test suite (and the benchmarks) share: databases and apps, a real server,
reading HTML pages. Imported by tests; never a conftest or a test module."""
