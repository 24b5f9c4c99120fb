"""Named exceptions with stable error codes; every message says what to do next."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in an input or data file, rendered like a ledger error.

    `row` is the row number the file's own reader states (see the raising module); str() gives
    `file: row 3, column "x": value "y" is not ... (code)`.
    """

    file: str
    code: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f": row {self.row}"
        if self.column is not None:
            where += f", column \"{self.column}\"" if self.row is not None else f": column \"{self.column}\""
        if self.value is not None:
            return f"{where}: value \"{self.value}\" {self.message} ({self.code})"
        return f"{where}: {self.message} ({self.code})"


class KlimatspendError(Exception):
    """Base class: an error the CLI prints as one line (no traceback) and exits with `exit_code`."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code

    def __str__(self) -> str:  # message already carries file/row/column context
        return self.args[0] if self.args else self.code


class UsageError(KlimatspendError):
    """Wrong arguments or options (exit code 2)."""

    code = "usage-error"
    exit_code = 2


class DatabaseError(KlimatspendError):
    """The database file cannot be opened, is foreign, or has a schema this version does not know."""

    code = "database-error"


class SchemaTooNewError(DatabaseError):
    """The database was written by a newer klimatspend."""

    code = "schema-too-new"


class ForeignDatabaseError(DatabaseError):
    """The file is not a klimatspend database."""

    code = "foreign-database"


class InputFileError(KlimatspendError):
    """A ledger or reference file that cannot be read at all (nothing loaded)."""

    code = "input-error"


class MissingColumnError(InputFileError):
    """A required column could not be found in the file's header."""

    code = "missing-column"


class DataError(KlimatspendError):
    """Reference data (factors, mappings, indices) is missing or inconsistent."""

    code = "data-error"
