"""The installed version of kieai (single source for the build backend and ``kieai.__version__``)."""

__version__ = "0.2.0.dev0"
