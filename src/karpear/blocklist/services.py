"""Blocklist workflow: every state change is one function, called by commands, API and desk.

Guidelines 2.6 / checklist item 28: only registered sources, a common list,
per-URL entries unless the source says a whole domain. Two roles, one code:
a list holder imports sources' files and publishes signed versions; an ISP
subscribes, verifies, applies and enforces (compiled file for Squid, RPZ for DNS).

The functions live in one module per sub-capability; this module is the public entry point
that commands, views, other apps and tests import from:

- ``imports``: registered sources, file imports, single entries and the versions they make;
- ``digests``: the order-independent digest over published lines;
- ``publishing``: the latest version and the signed list (full or delta);
- ``pull``: subscriptions, fetching (patch ``pull._fetch`` in tests), verifying and applying;
- ``enforcement``: the compiled file, the per-process matcher (``_matchers``), RPZ;
- ``appeals``: appeals forwarded to the source and their outcome;
- ``summary``: counts for the desk, compliance and transparency.
"""

from karpear.blocklist.appeals import appeal_outcome, appeal_submit, appeal_url, forward_appeals
from karpear.blocklist.enforcement import (
    _matchers,
    check_url,
    compile_enforcement,
    compiled_path,
    matcher_for,
    rpz_zone,
    write_atomically,
)
from karpear.blocklist.imports import (
    ImportResult,
    Line,
    blocklist_import,
    entry_add,
    entry_remove,
    local_source,
    source_register,
)
from karpear.blocklist.publishing import FORMAT, latest_version, published_list
from karpear.blocklist.pull import (
    DeltaNotApplicable,
    PullError,
    PullResult,
    _apply,
    _verified,
    run_reload_command,
    subscription_add,
    subscription_pull,
)
from karpear.blocklist.summary import list_changes, list_summary

__all__ = [
    "FORMAT",
    "DeltaNotApplicable",
    "ImportResult",
    "Line",
    "PullError",
    "PullResult",
    "_apply",
    "_matchers",
    "_verified",
    "appeal_outcome",
    "appeal_submit",
    "appeal_url",
    "blocklist_import",
    "check_url",
    "compile_enforcement",
    "compiled_path",
    "entry_add",
    "entry_remove",
    "forward_appeals",
    "latest_version",
    "list_changes",
    "list_summary",
    "local_source",
    "matcher_for",
    "published_list",
    "rpz_zone",
    "run_reload_command",
    "source_register",
    "subscription_add",
    "subscription_pull",
    "write_atomically",
]
