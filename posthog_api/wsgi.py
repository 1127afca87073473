import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "posthog_api.settings")
application = get_wsgi_application()

# Import every view now, then keep the objects of the loaded application out of the cyclic collector's reach: they
# live as long as the process, and the collector's passes over them showed up as a few percent of a capture request.
from posthog_api import urls  # noqa: E402, F401

gc.freeze()
