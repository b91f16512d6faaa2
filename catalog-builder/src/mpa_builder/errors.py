"""Errors a data manager can act on: each says what is wrong and where (file, line, column, field)."""

from __future__ import annotations


class BuildError(Exception):
    """An input that cannot be converted. Nothing is published when one is raised."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or [message]
        super().__init__(message)


class PublishError(Exception):
    """The store could not be updated; the previously published catalogue is unchanged."""
