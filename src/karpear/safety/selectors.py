"""Public reads of the safety app: conformance per band and setting, and what compliance
shows as live evidence (checklist items 16, 33, 36; AADC standards 7 and 10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from karpear.compliance.frameworks import AGE_BANDS
from karpear.orgs.models import Organisation
from karpear.safety.catalogue import catalogue
from karpear.safety.models import Attestation
from karpear.safety.services import DEFAULT_YOUNGEST_BAND, adopted_policy, effective_settings


@dataclass(frozen=True)
class Cell:
    """One band and setting: accounts at the default, changed, and the share that conforms.
    A change is the child's opt-out where the policy lets them change it (guidelines 2.5), and a
    failure where the setting is locked."""

    at_default: int
    changed: int
    locked: bool

    @property
    def total(self) -> int:
        return self.at_default + self.changed

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        ok = self.at_default + (0 if self.locked else self.changed)
        return (100 * ok) // self.total


def conformance(organisation: Organisation) -> dict[str, Any]:
    """{"version", "bands": {band: {feature: Cell}}, "band_percent": {band: int|None}} for the
    adopted version (0: the shipped defaults). One query."""
    policy = adopted_policy(organisation)
    version = policy.version if policy else 0
    chosen = effective_settings(policy)
    bands: dict[str, dict[str, Cell]] = {band: {} for band in AGE_BANDS}
    for row in Attestation.objects.filter(organisation=organisation, version=version):
        if row.band in bands and row.feature in chosen.get(row.band, {}):
            locked = chosen[row.band][row.feature]["change"] == "locked"
            bands[row.band][row.feature] = Cell(row.at_default, row.changed, locked)
    band_percent: dict[str, int | None] = {}
    for band, cells in bands.items():
        total = sum(c.total for c in cells.values())
        ok = sum(c.at_default + (0 if c.locked else c.changed) for c in cells.values())
        band_percent[band] = (100 * ok) // total if total else None
    return {"version": version, "bands": bands, "band_percent": band_percent}


def policy_summary(organisation: Organisation) -> dict[str, Any]:
    """Figures for the compliance checklist: which version apps are served, whether its
    defaults are private and location off in every band, and the attested conformance."""
    policy = adopted_policy(organisation)
    chosen = effective_settings(policy)
    found = conformance(organisation)
    reported = [p for p in found["band_percent"].values() if p is not None]

    def everywhere(feature: str, value: str) -> bool:
        return all(chosen[b].get(feature, {}).get("value") == value for b in AGE_BANDS)

    return {
        "safety_version": policy.version if policy else 0,
        "youngest_band": policy.youngest_band if policy else DEFAULT_YOUNGEST_BAND,
        "private_profile_default": everywhere("profile_visibility", "private"),
        "location_off_default": everywhere("location_sharing", "off"),
        "bands_attested": len(reported),
        "lowest_conformance": min(reported) if reported else None,
    }


def band_settings(organisation: Organisation, band: str) -> dict[str, dict[str, Any]]:
    """The adopted (else shipped) setting of each feature for one band, with its texts, for
    the documents drafted from it (issue #18, item 5) and the parental guidance."""
    cat = catalogue()
    policy = adopted_policy(organisation)
    chosen = effective_settings(policy)
    return {
        fid: {
            "feature": feature,
            "value": chosen[band][fid]["value"],
            "change": chosen[band][fid]["change"],
            "label": cat.label(chosen[band][fid]["value"]),
        }
        for fid, feature in cat.features.items()
    }
