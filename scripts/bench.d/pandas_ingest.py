#!/usr/bin/python3
"""pandas_ingest - how fast pandas reads a training CSV into a float matrix.

  pandas_ingest.py FILE [REPEAT]

Times pandas.read_csv(FILE) (C parser) followed by the conversion of the
features to a float32 NumPy array and the label to int64 -- the counterpart
of nnkit's nn_data_read, which also ends with a float matrix and label
indices.  REPEAT runs (default 3); the best one is reported.  Output:
"key value" lines: bytes, rows, best_s, mb_per_s (1 MB = 1e6 bytes).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import w1data  # noqa: E402


def main(a):
    if len(a) not in (1, 2):
        sys.stderr.write(__doc__)
        sys.exit(2)
    repeat = int(a[1]) if len(a) == 2 else 3
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        x, _y = w1data.read_csv_pandas(a[0])
        t = time.perf_counter() - t0
        best = t if best is None or t < best else best
    size = os.path.getsize(a[0])
    print("bytes %d" % size)
    print("rows %d" % x.shape[0])
    print("best_s %.4f" % best)
    print("mb_per_s %.1f" % (size / 1e6 / best))


if __name__ == "__main__":
    main(sys.argv[1:])
