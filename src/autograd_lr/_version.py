"""The package's version, in the one place the build (hatch) and the reports read it from."""

__version__ = "0.1.0"
