import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
application = get_wsgi_application()

from django.db import connection  # noqa: E402

from karpear.core.initialised import database_initialised, not_initialised_message  # noqa: E402

# A server started on an empty database would answer every request with an error (issue #23).
if not database_initialised():
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(not_initialised_message())
connection.close()  # opened for the check only
