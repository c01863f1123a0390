import os

os.environ.setdefault("DOUDI_VAR_DIR", "/tmp/doudi-test-var")

pytest_plugins = ["tests.fixtures", "tests.evidence_stores"]
