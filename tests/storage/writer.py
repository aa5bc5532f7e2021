"""A process that records ratings one by one, printing "ack PAIR" after each is saved (as the app shows it).

    python -m tests.storage.writer DB ANNOTATOR [ROOM_BYTES]

With ROOM_BYTES the process may grow files by only that much (RLIMIT_FSIZE): a full disk.
"""

from __future__ import annotations

import os
import resource
import signal
import sys

from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage.errors import StorageError


def main() -> None:
    path, annotator = sys.argv[1], sys.argv[2]
    db = Database(path)
    pairs = list(pair_store.pairs_frame(db)["pair_id"].astype(int))
    if len(sys.argv) > 3:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing us
        limit = os.path.getsize(path) + int(sys.argv[3])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    print("ready", flush=True)
    for pair_id in pairs:
        note = os.urandom(8000).hex()  # incompressible: the file grows with each rating
        try:
            rating_store.record_rating(db, rating_store.NewRating(pair_id, annotator, 3, note, None, f"{annotator}-{pair_id}"),
                            first_only=True)  # fmt: skip
        except StorageError as e:
            print(f"refused {pair_id}: {e}", flush=True)
            continue
        print(f"ack {pair_id}", flush=True)


if __name__ == "__main__":
    main()
