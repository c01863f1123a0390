import os

# Tests run against the machine's real PostgreSQL unless told otherwise.
os.environ.setdefault("DATABASE_URL", "postgres://root@127.0.0.1:5432/doudi")
os.environ.setdefault("DOUDI_VAR_DIR", "/tmp/doudi-test-var")

pytest_plugins = ["tests.fixtures"]
