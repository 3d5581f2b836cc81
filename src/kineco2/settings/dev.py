from kineco2.settings.base import *  # noqa: F403

DEBUG = True
