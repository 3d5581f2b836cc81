from kineco2.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
KINECO2_DRAWS = 2000
STORAGES = {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

import os  # noqa: E402
import tempfile  # noqa: E402

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file rather than memory, so that a real worker process (tests/jobs) opens the same
    # test database; one per pytest process, removed by Django at the end of the run.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"kineco2-test-{os.getpid()}.sqlite3")
    }

# The worker process started by tests/jobs writes its e-mails as files there.
if os.environ.get("KINECO2_TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["KINECO2_TEST_EMAIL_DIR"]

# Tests drive time themselves: no send-rate limit unless a test sets one.
KINECO2_MAIL_RATE_PER_MINUTE = 0

# The background rebuild of the published tables after each change of the data
# (kineco2.benchmarks.tasks) is turned on by its own tests only.
KINECO2_REBUILD_PUBLISHED_TABLES = False
