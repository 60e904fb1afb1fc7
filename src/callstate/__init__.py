"""callstate: every AI voice call as a durable state transition with side effects."""

__version__ = "0.1.0"
