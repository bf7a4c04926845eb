"""The Python client an integrator generates from ``openapi/schema.yaml``, generated once.

Library: openapi-python-client (pinned in the ``test`` extras), the generator the README
points integrators to. A generation takes ~3 s of CPU and ~9 s of wall time on a loaded
machine, and four test modules need one (test_generated_client, test_schema_headers,
test_expanded_relations, test_natural_keys): each used to run its own, in both passes of
the test command. Here the generator runs once per schema, generator version and
configuration, whichever process asks first; the others wait for it (an exclusive
``fcntl`` lock) and reuse its output. Each test then copies the package under the name it
imports (the generated code imports itself relatively, so the name is free), so no test
sees another one's modules.

Where the output is kept: ``REGISTRY_TEST_SHARED_DIR`` (tests/run.py sets it to a
temporary directory of its own, shared by both passes and every worker, removed at the
end), else the directory that the xdist workers of one pytest run share (the parent of
each worker's base temporary directory), else the run's base temporary directory. The
generation is keyed by the schema's digest, so a changed schema is generated again.

Generated as an integrator would, offline (``--path``), with ``--meta none`` (the package
alone), ``--fail-on-warning`` and no post hooks: the default hooks run ruff over the code,
which reformats it and changes nothing it does.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.committed_schema import SCHEMA_PATH

#: Set by tests/run.py: a directory shared by every pytest process of one test command.
SHARED_DIR_ENV = "REGISTRY_TEST_SHARED_DIR"
#: No post hooks: the default ones run ruff, which an integrator's machine (or CI) may lack.
CONFIG = "post_hooks: []\n"
GENERATED_NAME = "registry_client"


@dataclass(frozen=True)
class Generation:
    """One run of the generator: its exit status, what it printed, and the package made."""

    returncode: int
    output: str
    package: Path

    def check(self) -> None:
        assert self.returncode == 0, (
            f"openapi-python-client failed on openapi/schema.yaml:\n{self.output}"
        )

    def copy_to(self, directory: Path, name: str) -> Path:
        """The generated package copied to ``directory/name`` (importable as ``name`` with
        ``directory`` on ``sys.path``); returns ``directory``."""
        self.check()
        shutil.copytree(self.package, directory / name)
        return directory


def shared_dir(tmp_path_factory) -> Path:
    """Where one test command's processes share the generated client (module docstring)."""
    configured = os.environ.get(SHARED_DIR_ENV)
    if configured:
        return Path(configured)
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _key(schema: bytes) -> str:
    version = importlib.metadata.version("openapi-python-client")
    return hashlib.sha256(b"\0".join([schema, version.encode(), CONFIG.encode()])).hexdigest()


def generate(shared: Path, schema_path: Path = SCHEMA_PATH) -> Generation:
    """The client generated from ``schema_path``, made once under ``shared``."""
    where = shared / f"generated-client-{_key(schema_path.read_bytes())[:16]}"
    where.mkdir(parents=True, exist_ok=True)
    outcome = where / "outcome.json"
    package = where / GENERATED_NAME
    with open(where / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not outcome.exists():
            shutil.rmtree(package, ignore_errors=True)  # a run killed half-way
            config = where / "config.yaml"
            config.write_text(CONFIG)
            result = subprocess.run(
                [sys.executable, "-m", "openapi_python_client", "generate"]
                + ["--path", str(schema_path), "--meta", "none", "--config", str(config)]
                + ["--output-path", str(package), "--fail-on-warning"],
                capture_output=True,
                text=True,
                timeout=300,
            )
            written = where / "outcome.json.part"
            written.write_text(
                json.dumps(
                    {"returncode": result.returncode, "output": result.stdout + result.stderr}
                )
            )
            written.replace(outcome)  # atomic: the others see all of it or nothing
    recorded = json.loads(outcome.read_text())
    return Generation(recorded["returncode"], recorded["output"], package)
