"""Open-source 12345 hotline: Asterisk call handling joined to the work-order loop."""

__version__ = "0.1.0"
