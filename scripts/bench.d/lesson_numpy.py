#!/usr/bin/python3
"""lesson_numpy - the lesson's NumPy program, re-implemented for scripts/bench.

  lesson_numpy.py DIR SEED

The lesson trains small networks written layer by layer in NumPy: each layer
is an object with forward() (keeping what backward needs) and backward()
(returning the gradient for the layer below and storing its own).  This
program does the same for the lesson's 3 x 4 grid: data sets linear, moons,
circles (DIR/SET-train.csv, DIR/SET-test.csv, as scripts/bench writes them
with nn-gen and nn-split), networks with hidden layers (), (4,), (8,4),
(16,8,4); inputs standardised with the training set's mean and standard
deviation, relu, one sigmoid output with binary cross-entropy, He-normal
initial weights, plain SGD, learning rate 0.1, batch 32, 100 epochs,
reshuffled every epoch.  It prints the test accuracy of each of the 12
trainings as a table; scripts/bench times the whole process.
"""
import sys

import numpy as np

SETS = ("linear", "moons", "circles")
NETS = ((), (4,), (8, 4), (16, 8, 4))


class Dense:
    def __init__(self, nin, nout, rng):
        self.w = rng.normal(0.0, np.sqrt(2.0 / nin), (nin, nout))
        self.b = np.zeros(nout)

    def forward(self, x):
        self.x = x  # kept for the weight gradient
        return x @ self.w + self.b

    def backward(self, g):
        self.dw = self.x.T @ g
        self.db = g.sum(axis=0)
        return g @ self.w.T

    def step(self, lr):
        self.w -= lr * self.dw
        self.b -= lr * self.db


class Relu:
    def forward(self, x):
        self.mask = x > 0  # kept for backward
        return x * self.mask

    def backward(self, g):
        return g * self.mask

    def step(self, lr):
        pass


class Sigmoid:
    def forward(self, x):
        self.y = 1.0 / (1.0 + np.exp(-x))
        return self.y

    def backward(self, g):
        return g * self.y * (1.0 - self.y)

    def step(self, lr):
        pass


def build(nin, hidden, rng):
    layers, n = [], nin
    for h in hidden:
        layers += [Dense(n, h, rng), Relu()]
        n = h
    return layers + [Dense(n, 1, rng), Sigmoid()]


def forward(layers, x):
    for layer in layers:
        x = layer.forward(x)
    return x


def train(layers, x, y, rng, epochs=100, batch=32, lr=0.1):
    n = x.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            p = forward(layers, x[idx])
            # d(mean BCE)/dp; the sigmoid's backward completes p - y
            pc = np.clip(p, 1e-12, 1 - 1e-12)
            g = (pc - y[idx]) / (pc * (1 - pc)) / len(idx)
            for layer in reversed(layers):
                g = layer.backward(g)
            for layer in layers:
                layer.step(lr)


def load(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return a[:, :-1], a[:, -1:]


def main(a):
    if len(a) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    d, seed = a[0], int(a[1])
    print("%-9s" % "data" + "".join(" %-8s" % (",".join(map(str, h)) or "none")
                                     for h in NETS))
    for s in SETS:
        xtr, ytr = load("%s/%s-train.csv" % (d, s))
        xte, yte = load("%s/%s-test.csv" % (d, s))
        mu, sd = xtr.mean(axis=0), xtr.std(axis=0)
        sd[sd == 0] = 1.0
        xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
        row = "%-9s" % s
        for h in NETS:
            rng = np.random.default_rng(seed)
            layers = build(xtr.shape[1], h, rng)
            train(layers, xtr, ytr, rng)
            acc = float(((forward(layers, xte) > 0.5) == (yte > 0.5)).mean())
            row += " %-8.3f" % acc
        print(row)


if __name__ == "__main__":
    main(sys.argv[1:])
