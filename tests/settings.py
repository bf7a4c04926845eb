"""Test settings: the real settings, with a fixed throwaway secret so DEBUG can stay off."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the test client speaks plain HTTP

from api.settings import *  # noqa: E402,F403
