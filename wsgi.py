"""The app for gunicorn (`wsgi:app`) and the `flask` command."""

import sys

from ragchat import create_app
from ragchat.settings import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"ragchat: {error}")
