"""One root error type; the CLI turns each into a one-line message and an exit code."""


class ExtractorError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = 1


class IngestError(ExtractorError):
    """A file that cannot be read or decoded as a report."""


class ConfigError(ExtractorError):
    """Bad settings: unknown backend, unreadable gold directory, and the like."""

    exit_code = 2


class ExtractionError(ExtractorError):
    """A report that was read but could not be processed."""
