"""The bad-input matrix: every hostile request of ``tests/hostile.py`` sent to waitress on
127.0.0.1 (the bundled seeds, index built in a temporary folder), statuses printed as a table.

    python bench/bad_input.py

A row per input, a column per route; a cell is the HTTP status (``500`` would be a bug: the
tests in ``tests/test_hostile_input.py`` fail on it). Nothing leaves this machine.
"""

from __future__ import annotations

import collections
import sys
import tempfile
import threading
from pathlib import Path

import waitress

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import indexer  # noqa: E402
from tests import hostile  # noqa: E402
from tests.test_hostile_input import request  # noqa: E402
from webapp import create_app  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        indexer.update(REPO / "seeds", tmp)
        app = create_app({"SEEDS_DIR": str(REPO / "seeds"), "INDEX_DIR": tmp})
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.effective_port}"
        rows: dict[str, dict[str, int]] = collections.defaultdict(dict)
        columns: list[str] = []
        counts: collections.Counter[int] = collections.Counter()
        unexpected = []
        try:
            for label, method, path, allowed in hostile.cases():
                status = request(base, method, path)[0]
                counts[status] += 1
                if status not in allowed:
                    unexpected.append((label, status))
                route = path.split("?")[0]
                route = route if route in hostile.SEARCH_ROUTES + hostile.PAGE_ROUTES else "other"
                name = label.removeprefix(route).strip() if route != "other" else label
                if route not in columns:
                    columns.append(route)
                rows[name][route] = status
        finally:
            server.close()
            thread.join(timeout=5)
    print(f"| input | {' | '.join(columns)} |")
    print(f"|---|{'---|' * len(columns)}")
    for name, cells in rows.items():
        print(f"| {name} | {' | '.join(str(cells.get(c, '')) for c in columns)} |")
    print(f"\n{sum(counts.values())} requests; statuses: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    print(f"outside the allowed statuses: {unexpected or 'none'}")
    return 1 if unexpected or any(k >= 500 for k in counts) else 0


if __name__ == "__main__":
    sys.exit(main())
