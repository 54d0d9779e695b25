"""Importing hash lists (issue #6, item 5): our CSV/TSV, HMA and ThreatExchange formats, the
command's progress and bad-line report, all or nothing on a crash, and the exchange clients."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from karpear.hashes import services
from karpear.hashes.models import Bank, BankHash
from karpear.orgs.models import Organisation

pytestmark = pytest.mark.django_db
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d35c785545392755e7e4164457657269"


@pytest.fixture
def bank(acme: Organisation) -> Bank:
    return services.bank_create(
        organisation=acme, name="hotline", source="hotline", agreement="MoU 2026-3"
    )


def _rows(bank: Bank) -> set[tuple[str, str, str, str]]:
    return set(bank.hashes.values_list("kind", "value", "source_id", "classification"))


@pytest.mark.parametrize(
    "text",
    [
        f"hash_type,hash,source_id,classification\npdq,{PDQ},HL-1,A1\nmd5,{MD5},HL-2,B2\n",
        f"hash_type\thash\tsource_id\tclassification\npdq\t{PDQ}\tHL-1\tA1\nmd5\t{MD5}\tHL-2\tB2\n",
        # HMA / ThreatExchange signal CSV: its own column names, in its own order
        f"signal_id,signal_value,signal_type,tags\nHL-1,{PDQ},pdq,A1\nHL-2,{MD5},video_md5,B2\n",
    ],
    ids=["csv", "tsv", "hma-csv"],
)
def test_each_format_imports_the_same_hashes(bank: Bank, text: str) -> None:
    result = services.hashes_import(bank=bank, text=text)
    assert result.added == 2 and not result.bad_lines
    assert _rows(bank) == {("pdq", PDQ, "HL-1", "A1"), ("md5", MD5, "HL-2", "B2")}


def test_threatexchange_signal_lines_import(bank: Bank) -> None:
    text = f"# from the ThreatExchange CLI\npdq {PDQ}\nvideo_md5 {MD5}\nraw_text hello\n"
    result = services.hashes_import(bank=bank, text=text)
    assert result.added == 2
    assert [n for n, _ in result.bad_lines] == [4]  # a signal type Karpear does not match
    assert {(k, v) for k, v, _, _ in _rows(bank)} == {("pdq", PDQ), ("md5", MD5)}


def test_the_command_reports_progress_and_bad_lines_by_number(bank: Bank, tmp_path: Path) -> None:
    lines = ["hash_type,hash,source_id,classification"]
    lines += [f"pdq,{i:064x},S{i},A1" for i in range(1, 12_001)]
    lines.insert(5000, "pdq,not-a-hash,S0,A1")
    path = tmp_path / "bank.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "hashes", "--org", "acme", "import", str(path), "--bank", "hotline", stdout=out, stderr=err
    )
    assert "added 12000, already present 0, bad lines 1" in out.getvalue()
    report = err.getvalue().splitlines()
    assert report[-1].startswith("line 5001: ") and "64" in report[-1]  # in the operator's language
    assert report[:3] == [
        " 42% 5,002/12,002 lines",
        " 83% 10,002/12,002 lines",
        "100% 12,002/12,002 lines",
    ]
    again = io.StringIO()
    call_command("hashes", "--org", "acme", "import", str(path), "--bank", "hotline", stdout=again)
    assert "added 0, already present 12000" in again.getvalue()


def test_a_file_that_is_not_utf8_is_refused_and_nothing_imported(
    bank: Bank, tmp_path: Path
) -> None:
    path = tmp_path / "bank.csv"
    path.write_bytes(f"pdq,{PDQ},HL-1,A1\n".encode() + "md5,ស្អាត\n".encode("utf-16"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("hashes", "--org", "acme", "import", str(path), "--bank", "hotline")
    assert not BankHash.objects.exists()


def test_a_crash_mid_import_leaves_nothing_half_imported(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = BankHash.objects.bulk_create

    def bulk_create_then_crash(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("the disk went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(BankHash.objects, "bulk_create", bulk_create_then_crash)
    text = "\n".join(f"pdq,{i:064x},S{i}," for i in range(1, 8000))
    with pytest.raises(OSError, match="went away"):
        services.hashes_import(bank=bank, text=text)
    assert calls["n"] == 2 and not BankHash.objects.exists()


def test_fetching_from_the_threatexchange_sample_and_file_exchanges(
    bank: Bank, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command(
        "hashes", "--org", "acme", "fetch", "--bank", "hotline", "--exchange", "sample", stdout=out
    )
    assert BankHash.objects.filter(bank=bank, kind="pdq", source_id="sample").count() >= 5
    assert PDQ in set(bank.hashes.values_list("value", flat=True))  # the library's own samples
    signal_file = tmp_path / "signals.txt"
    signal_file.write_text(f"video_md5 {MD5}\npdq {'0' * 63}1\n")
    call_command(
        "hashes",
        "--org",
        "acme",
        "fetch",
        "--bank",
        "hotline",
        "--exchange",
        "file",
        "--file",
        str(signal_file),
        stdout=out,
    )
    assert bank.hashes.filter(kind="md5", value=MD5, source_id="file").exists()


def test_the_real_exchanges_need_credentials_from_configuration(bank: Bank) -> None:
    for exchange, setting in (
        ("ncmec", "KARPEAR_NCMEC_CREDENTIALS"),
        ("stopncii", "KARPEAR_STOPNCII_KEYS"),
    ):
        with pytest.raises(CommandError, match=setting):
            call_command(
                "hashes", "--org", "acme", "fetch", "--bank", "hotline", "--exchange", exchange
            )
    assert not BankHash.objects.exists()


def test_the_index_command_writes_a_snapshot(bank: Bank, settings: Any) -> None:
    services.hashes_import(bank=bank, text=f"pdq,{PDQ},HL-1,A1\n")
    out = io.StringIO()
    call_command("hashes", "--org", "acme", "index", stdout=out)
    assert "index written: 1 PDQ hashes" in out.getvalue()
    root = Path(settings.KARPEAR_HASH_INDEX_DIR) / str(bank.organisation_id)
    assert (root / (root / "current").read_text() / "codes.npy").exists()
