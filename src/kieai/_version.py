"""The installed version of kieai (single source for the build backend and ``kieai.__version__``)."""

__version__ = "0.1.0"
