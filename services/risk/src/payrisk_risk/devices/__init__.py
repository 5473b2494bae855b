"""Device security: verifying a terminal's offline bills and deciding how far it can be trusted."""

from .assessment import Assessment, TagCluster, assess
from .bills import DeviceBill, open_bill
from .checks import CHECKS, Registration, check_bill
from .findings import Finding

__all__ = [
    "CHECKS",
    "Assessment",
    "DeviceBill",
    "Finding",
    "Registration",
    "TagCluster",
    "assess",
    "check_bill",
    "open_bill",
]
