"""The project's exception tree: library code raises these, the edges (CLI, API, UI) translate them."""


class ReportAssistantError(Exception):
    """Base of every error this project raises on purpose."""


class InputError(ReportAssistantError):
    """A file or argument that cannot be used as given (unknown type, empty, too large, corrupt)."""


class UnsupportedFormat(InputError):
    """The file type is not one we can read."""


class EmptyDocument(InputError):
    """The file holds no readable text (empty, binary junk, PDF without a text layer)."""


class NotAReport(InputError):
    """Readable text, but nothing of an annual report in it: no agency, no year, no template table."""


class IndexStoreError(ReportAssistantError):
    """The index on disk is missing, locked or unusable."""


class ConfigurationError(ReportAssistantError):
    """A setting names something that cannot be loaded (model folder, store URL)."""


class ParseLimitError(InputError):
    """A file that needed more memory or time than a report may take to parse (or a zip bomb)."""


class IndexBusy(IndexStoreError):
    """Another writer holds the index (here or on another machine sharing its stores)."""
