"""Fetching hash lists from exchanges with Meta's `threatexchange` clients (issue #6, item 5).

`karpear hashes fetch --bank NAME --exchange ncmec|stopncii|file|sample` turns what the exchange
returns into import lines, so every fetched hash goes through the same validation, deduplication
and single transaction as a file import. Credentials come from configuration, never the command
line: `KARPEAR_NCMEC_CREDENTIALS` ("user:password", NCMEC hash-sharing API) and
`KARPEAR_STOPNCII_KEYS` ("fetch_function_key,subscription_key"). `sample` is the library's own
built-in sample exchange and `file` its local-file exchange (one `signal_type signal` per line);
both work offline and are what the tests use.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from karpear.core.errors import ApplicationError

EXCHANGES = ("ncmec", "stopncii", "file", "sample")


def _signal_types() -> list[Any]:
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal

    return [PdqSignal, VideoMD5Signal, VPDQSignal]


def _client(exchange: str, path: str) -> tuple[Any, Any]:
    """The exchange client and its collaboration config."""
    if exchange == "sample":
        from threatexchange.exchanges.collab_config import CollaborationConfigBase
        from threatexchange.exchanges.impl.static_sample import StaticSampleSignalExchangeAPI

        collab = CollaborationConfigBase(name="sample", api="sample", enabled=True)
        return StaticSampleSignalExchangeAPI.for_collab(collab), collab
    if exchange == "file":
        from threatexchange.exchanges.impl.file_api import (
            FileCollaborationConfig,
            LocalFileSignalExchangeAPI,
        )

        if not path:
            raise ApplicationError(_("Give the file to read with --file."))
        collab = FileCollaborationConfig(name="file", filename=path)
        return LocalFileSignalExchangeAPI.for_collab(collab), collab
    if exchange == "ncmec":
        from threatexchange.exchanges.clients.ncmec.hash_api import NCMECEnvironment
        from threatexchange.exchanges.impl.ncmec_api import (
            NCMECCollabConfig,
            NCMECCredentials,
            NCMECSignalExchangeAPI,
        )

        secret = settings.KARPEAR_NCMEC_CREDENTIALS
        if not secret:
            raise ApplicationError(_("Set KARPEAR_NCMEC_CREDENTIALS (user:password) first."))
        collab = NCMECCollabConfig(name="ncmec", environment=NCMECEnvironment.Industry)
        credentials = NCMECCredentials._from_str(secret)
        return NCMECSignalExchangeAPI.for_collab(collab, credentials), collab
    if exchange == "stopncii":
        from threatexchange.exchanges.collab_config import CollaborationConfigBase
        from threatexchange.exchanges.impl.stop_ncii_api import (
            StopNCIICredentials,
            StopNCIISignalExchangeAPI,
        )

        secret = settings.KARPEAR_STOPNCII_KEYS
        if not secret:
            raise ApplicationError(
                _("Set KARPEAR_STOPNCII_KEYS (fetch_function_key,subscription_key) first.")
            )
        collab = CollaborationConfigBase(name="stopncii", api="stop_ncii", enabled=True)
        keys = StopNCIICredentials._from_str(secret)
        return StopNCIISignalExchangeAPI.for_collab(collab, keys), collab
    raise ApplicationError(_("Unknown exchange: use ncmec, stopncii, file or sample."))


def fetch_lines(exchange: str, path: str = "") -> Iterator[str]:
    """Import lines (`signal_type,signal,source,`) for every signal the exchange holds now."""
    client, collab = _client(exchange, path)
    types = _signal_types()
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="")  # vPDQ frames are JSON with commas: quoted

    def row(*fields: str) -> str:
        line.seek(0)
        line.truncate()
        writer.writerow(fields)
        return line.getvalue()

    yield row("signal_type", "signal_value", "signal_id", "tags")
    for delta in client.fetch_iter(types, None):
        converted = client.naive_convert_to_signal_type(types, collab, delta.updates)
        for signal_type, signals in converted.items():
            for signal in signals:
                yield row(signal_type.get_name(), signal, exchange, "")
