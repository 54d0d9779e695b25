"""Karpear's settings, a module per capability, gathered by `karpear.settings`.

`env` reads the environment (typed helpers, `*_FILE` secrets, the data directory); each other
module holds one capability's `KARPEAR_*` settings. `karpear/settings.py` keeps Django's own
settings and imports these, so every name is still on `django.conf.settings`.
"""
