"""One root error type; the CLI turns each into a one-line message and an exit code."""


class ExtractorError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = 1


class IngestError(ExtractorError):
    """A file that cannot be read or decoded as a report."""


class ConfigError(ExtractorError):
    """Bad settings: unknown backend, unreadable gold directory, and the like."""

    exit_code = 2


class DatabaseError(ExtractorError):
    """A run database this extractor cannot use (corrupt, another program's, made by a newer version);
    refused before anything is written to it. Another `--db` is the way out, hence a usage exit code."""

    exit_code = 2


class DiskFullError(ExtractorError):
    """The disk filled up while writing; what was committed is kept and the same command resumes."""


def disk_full(what: str) -> DiskFullError:
    """The one line for a full disk, naming what was being written."""
    return DiskFullError(f"disk full while writing {what}; what was committed is kept, free space and run the same "
                         "command again to resume")


class OutputBusy(ExtractorError):
    """The output directory is being written by another run."""

    exit_code = 2
