"""Test settings: the real settings, with a fixed throwaway secret so DEBUG can stay off."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")

from api.settings import *  # noqa: E402,F403
