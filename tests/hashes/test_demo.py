"""Issue #6 on the demo: the demo bank (hashes of a benign reference image) makes a blurred,
resized copy match through the platform API, isolates it and opens a case; noise does not."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image, ImageFilter

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases.models import Case
from karpear.hashes.index import forget
from karpear.orgs.models import Organisation
from tests.conftest import Client

pytestmark = pytest.mark.django_db
IMAGE = (
    Path(__file__).resolve().parents[3] / "shared" / "testdata" / "pdq" / "images" / "aaa-orig.jpg"
)


def _jpeg(image: Image.Image) -> SimpleUploadedFile:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=80)
    return SimpleUploadedFile("upload.jpg", out.getvalue(), "image/jpeg")


@pytest.mark.skipif(not IMAGE.exists(), reason="../shared/testdata is not here")
def test_a_modified_copy_matches_on_the_demo() -> None:
    forget()
    call_command("demo", "--if-empty", stdout=io.StringIO())
    demo = Organisation.objects.get(slug="demo")
    _, token = apikey_create(organisation=demo, scope=Scope.PLATFORM, name="demo app")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    original = Image.open(IMAGE)
    copy = original.filter(ImageFilter.GaussianBlur(3)).resize((300, 200))
    client = Client()
    hit = client.post("/api/v1/hashes/check", {"content_id": "p1", "file": _jpeg(copy)}, **auth)
    assert hit.status_code == 200, hit.content
    assert hit.json()["action"] == "act"
    case = Case.objects.get(pk=hit.json()["case_id"])
    assert case.state == "isolated" and case.source == "hash_match"
    noise = Image.fromarray(
        np.random.default_rng(5).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    )
    miss = client.post("/api/v1/hashes/check", {"content_id": "p2", "file": _jpeg(noise)}, **auth)
    assert miss.json()["matched"] is False
