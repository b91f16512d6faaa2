"""Publish staged batches, stopping after every store write until told to go on (for kill tests).

Usage: python -m tests.builder.publish_pausing STORE_URL STAGE...
STAGE folders come from mpa_builder.build.build (conversion is done beforehand, so this process
only runs the publish step, the one whose atomicity is under test). Prints `WROTE <key>` after
each completed write and waits for a line on stdin, so a test can SIGKILL it at any of these
points. Prints `DONE <version>` at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mpa_builder.build import Built
from mpa_builder.publish import publish
from mpa_builder.store import Store


class PausingStore(Store):
    def _pause(self, key: str) -> None:
        print(f"WROTE {key}", flush=True)
        sys.stdin.readline()

    def write_bytes(self, key: str, data: bytes) -> None:
        super().write_bytes(key, data)
        self._pause(key)

    def put_file(self, local: Path, key: str) -> None:
        super().put_file(local, key)
        self._pause(key)


if __name__ == "__main__":
    url, *stages = sys.argv[1:]
    result = publish(PausingStore(url), [Built.load(Path(s)) for s in stages])
    print(f"DONE {result.version}", flush=True)
