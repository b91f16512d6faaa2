"""Fixtures shared by every suite; each lives in its own module under tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.seaweedfs",
    "tests.fixtures.catalog",
    "tests.fixtures.oidc",
    "tests.fixtures.postgres",
]
