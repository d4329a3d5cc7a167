"""seoulcomm — budget, execution and outcome reports for Seoul's 시민소통기획관.

Loaders live in :mod:`seoulcomm.load`, calculations in :mod:`seoulcomm.calc`, the
reconciliation audit in :mod:`seoulcomm.audit`; notebooks call these, never re-compute.

``Dataset`` and ``load_all`` are imported from :mod:`seoulcomm.load` when first asked for:
importing the package (and running ``seoulcomm build`` with nothing to do) never imports pandas.
"""
from .errors import DataError, DataErrors, SeoulcommError, UsageError

from .version import __version__
__all__ = ["DataError", "DataErrors", "Dataset", "SeoulcommError", "UsageError", "load_all", "__version__"]
_FROM_LOAD = ("Dataset", "load_all")


def __getattr__(name: str):
    if name in _FROM_LOAD:
        from . import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM_LOAD))
