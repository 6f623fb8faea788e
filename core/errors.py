"""The project's error hierarchy. Every message is safe to show to a user as it is."""


class FAQError(Exception):
    """Base class: a problem we expected and can explain in one line."""


class ConfigError(FAQError):
    """Settings, the clinic profile or a rules file is missing or invalid."""


class DocumentError(FAQError):
    """A document could not be read or holds no usable text."""


class StoreError(FAQError):
    """The knowledge store cannot be reached or is in an unexpected state."""


class InputError(FAQError):
    """A question or request the assistant cannot accept as it is."""
