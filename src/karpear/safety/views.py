"""The public parental-control guidance, generated from the adopted policy (guidelines 2.5,
checklist item 35): what each control does, its limits, why it matters less as children grow,
how to talk about it. Khmer at /, English at /en/; no script."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from karpear.compliance.frameworks import AGE_BANDS
from karpear.orgs.services import current_organisation
from karpear.safety.catalogue import catalogue
from karpear.safety.labels import CHANGE_LABELS
from karpear.safety.services import adopted_policy, effective_settings


def parental_guidance(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    cat = catalogue()
    policy = adopted_policy(org)
    chosen = effective_settings(policy)
    controls = [
        {
            "feature": feature,
            "bands": [
                (
                    band,
                    cat.label(chosen[band][fid]["value"]),
                    CHANGE_LABELS[chosen[band][fid]["change"]],
                )
                for band in AGE_BANDS
            ],
        }
        for fid, feature in cat.features.items()
        if feature.parent_control
    ]
    return render(
        request,
        "safety/parents.html",
        {"controls": controls, "older": cat.older, "policy": policy, "bands": AGE_BANDS},
    )
