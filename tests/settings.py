"""Test settings: the real settings, with a fixed throwaway secret so DEBUG can stay off.

Two changes for speed only, neither changes what a test can observe:

- passwords (the admin's users, ``admin_client``) are hashed with MD5 first: Django's
  PBKDF2 costs ~0.3 s of CPU per hash and per login check, paid by every admin test.
  API keys are not passwords: they keep their own SHA-512 hasher (djangorestframework-
  api-key), which ``tests/security/test_api2_authentication.py`` asserts. The real
  hashers stay in the list, so a hash made by them still verifies.
- on PostgreSQL, ``synchronous_commit=off`` for the test connections: a commit (each
  migration while the test database is made, each transactional test and its flush)
  no longer waits for the WAL to reach the disk. Visibility and locking are unchanged;
  only durability after a server crash is given up, which a throwaway test database
  does not need. It halves the making of the test database.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the test client speaks plain HTTP

from django.conf import global_settings  # noqa: E402

from api.settings import *  # noqa: E402,F403
from api.settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    *global_settings.PASSWORD_HASHERS,
]

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
