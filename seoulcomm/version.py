"""The package version (a module of its own: modules below the package import it without the package)."""
__version__ = "0.1.0"
