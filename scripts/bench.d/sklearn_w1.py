#!/usr/bin/python3
"""sklearn_w1 - workload W1 with scikit-learn's MLPClassifier, for scripts/bench.

  sklearn_w1.py TRAIN.csv TEST.csv EPOCHS SEED

MLPClassifier(hidden_layer_sizes=(256, 128), activation='relu',
solver='adam', learning_rate_init=1e-3, batch_size=128, shuffle=True,
alpha=0): alpha (L2 penalty, default 1e-4) is set to 0 because W1 has no
weight decay.  EPOCHS calls of partial_fit(), one epoch each (reshuffled, the
Adam state kept), instead of one fit(max_iter=EPOCHS), so the test accuracy
can be read after epoch 1 and after the last; only partial_fit() is timed.  Arrays are preloaded as for PyTorch; inputs min-max scaled
as nn-train --scale minmax does.  Output: "key value" lines.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

import w1data  # noqa: E402


def main(a):
    if len(a) != 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    epochs, seed = int(a[2]), int(a[3])
    xtr, ytr, xte, yte = w1data.load(a[0], a[1])
    lo, f = w1data.minmax_fit(xtr)
    xtr, xte = w1data.minmax_apply(xtr, lo, f), w1data.minmax_apply(xte, lo, f)
    clf = MLPClassifier(hidden_layer_sizes=(256, 128), activation="relu",
                        solver="adam", learning_rate_init=1e-3,
                        batch_size=128, shuffle=True, alpha=0.0,
                        random_state=seed)
    classes = np.arange(10)
    clock = w1data.Clock()
    times = []
    for e in range(1, epochs + 1):
        t = clock.total
        with clock:
            clf.partial_fit(xtr, ytr, classes=classes)
        times.append(clock.total - t)
        if e == 1 or e == epochs:
            print("acc_%d %.4f" % (e, clf.score(xte, yte)))
    print("epochs %d" % epochs)
    print("epoch_s %s" % ",".join("%.3f" % t for t in times))
    print("train_s %.3f" % clock.total)
    print("samples_per_s %.1f" % (xtr.shape[0] * epochs / clock.total))


if __name__ == "__main__":
    main(sys.argv[1:])
