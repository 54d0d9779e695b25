# Run inside the regulator's deployment: what the company's answer became there.
import json

from karpear.regulator.models import InformationRequest

rfi = InformationRequest.objects.get()
print(json.dumps({"answer": rfi.answer, "files": [f.name for f in rfi.files.all()]}))
