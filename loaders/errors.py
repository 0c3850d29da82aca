"""Errors that name exactly where bad input is: file, row or line, column and value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a source, located as precisely as the format allows."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: object = None
    focus: str | None = None  # the RDF node a SHACL violation is about

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where) + ": " + self.message
        if self.value is not None and repr(self.value) not in self.message:
            text += f" (value {self.value!r})"
        return text


class LoadError(ValueError):
    """A source failed its checks; nothing of it was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s):\n{shown}{more}")
