"""Settings for bench/load.py: like production (no debug) but over plain HTTP on loopback."""

from kineco2.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
