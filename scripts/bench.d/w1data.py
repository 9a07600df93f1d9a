"""w1data - the W1 data, as the Python peers see it.

The peers read the very CSV files nnkit reads (written by bin/nn-idx), once,
and keep them as a .npz next to them so that the training-speed runs start
from arrays in memory ("preloaded").  Scaling copies nn-train --scale minmax
exactly: per column x' = (x - min) * (1 / (max - min)), min and max from the
training set, factor 1 for a constant column.
"""
import os
import time

import numpy as np

W1_LAYERS = (784, 256, 128, 10)
# forward 2 flops per weight, backward 4 (input gradient + weight gradient);
# biases and activations are not counted
W1_FLOPS = 6 * sum(a * b for a, b in zip(W1_LAYERS, W1_LAYERS[1:]))


def read_csv_pandas(path):
    """CSV -> (X float32 (n, 784), y int64 (n)) with pandas' C parser."""
    import pandas as pd
    df = pd.read_csv(path)
    y = df.pop("label").to_numpy(np.int64)
    return df.to_numpy(np.float32), y


def load(train_csv, test_csv):
    """Arrays for both sets, cached as train_csv + '.npz' (rebuilt when the
    CSV is newer)."""
    cache = os.path.splitext(train_csv)[0] + ".npz"
    if (not os.path.exists(cache) or
            os.path.getmtime(cache) < os.path.getmtime(train_csv) or
            os.path.getmtime(cache) < os.path.getmtime(test_csv)):
        xtr, ytr = read_csv_pandas(train_csv)
        xte, yte = read_csv_pandas(test_csv)
        tmp = cache + ".tmp.npz"
        np.savez(tmp, xtr=xtr, ytr=ytr, xte=xte, yte=yte)
        os.replace(tmp, cache)
    z = np.load(cache)
    return z["xtr"], z["ytr"], z["xte"], z["yte"]


def minmax_fit(x):
    lo = x.min(axis=0).astype(np.float64)
    r = x.max(axis=0).astype(np.float64) - lo
    with np.errstate(divide="ignore"):
        f = np.where(r > 0, 1.0 / r, 1.0)
    return lo.astype(np.float32), f.astype(np.float32)


def minmax_apply(x, lo, f):
    return ((x - lo) * f).astype(np.float32)


class Clock:
    """Sum of the lengths of the timed sections."""

    def __init__(self):
        self.total = 0.0

    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *a):
        self.total += time.perf_counter() - self.t0
