"""Signals other apps listen to, so reports never import them."""

from django.dispatch import Signal

# Sent inside report_submit's transaction for each new report (kwargs:
# report, items, and reporter: who sent it, for the isolation abuse guard).
# The desk opens or joins a case in the same transaction, so a report is
# never stored without its case.
report_received = Signal()
