"""seoulcomm — budget, execution and outcome reports for Seoul's 시민소통기획관.

Loaders live in :mod:`seoulcomm.load`, calculations in :mod:`seoulcomm.calc`, the
reconciliation audit in :mod:`seoulcomm.audit`; notebooks call these, never re-compute.
"""
from .errors import DataError, DataErrors, SeoulcommError, UsageError
from .load import Dataset, load_all

__version__ = "0.1.0"
__all__ = ["DataError", "DataErrors", "Dataset", "SeoulcommError", "UsageError", "load_all", "__version__"]
