#!/usr/bin/python3
"""torch_w1 - workload W1 in PyTorch, for scripts/bench.

  torch_w1.py train TRAIN.csv TEST.csv THREADS EPOCHS SEED
      arrays preloaded (w1data.load), EPOCHS epochs; prints the time spent in
      the training loop only (shuffle + forward + backward + step) and the
      test accuracy after epoch 1 and after the last epoch
  torch_w1.py e2e TRAIN.csv THREADS MODEL.pt
      what a user would run: pandas.read_csv, scale, 1 epoch, torch.save;
      scripts/bench wraps it in /usr/bin/time for wall time and peak RSS

W1: 784-256-128-10, relu, softmax + cross-entropy, Adam lr 1e-3 (betas 0.9,
0.999, eps 1e-8), batch 128 (the last batch is partial), reshuffled every
epoch, inputs min-max scaled as nn-train --scale minmax does.
Output: "key value" lines.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402

import w1data  # noqa: E402


def net():
    return torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10))


def epoch(model, opt, x, y, batch, gen):
    lossf = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(x.shape[0], generator=gen)
    for i in range(0, x.shape[0], batch):
        idx = perm[i:i + batch]
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    return float(loss)


def accuracy(model, x, y):
    with torch.no_grad():
        return float((model(x).argmax(1) == y).double().mean())


def cmd_train(train_csv, test_csv, threads, epochs, seed):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    xtr, ytr, xte, yte = w1data.load(train_csv, test_csv)
    lo, f = w1data.minmax_fit(xtr)
    xtr = torch.from_numpy(w1data.minmax_apply(xtr, lo, f))
    xte = torch.from_numpy(w1data.minmax_apply(xte, lo, f))
    ytr, yte = torch.from_numpy(ytr), torch.from_numpy(yte)
    model = net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    clock = w1data.Clock()
    times = []
    for e in range(1, epochs + 1):
        t = clock.total
        with clock:
            loss = epoch(model, opt, xtr, ytr, 128, gen)
        times.append(clock.total - t)
        if e == 1 or e == epochs:
            print("acc_%d %.4f" % (e, accuracy(model, xte, yte)))
    n = xtr.shape[0] * epochs
    print("threads %d" % torch.get_num_threads())
    print("epochs %d" % epochs)
    print("final_loss %.6f" % loss)
    print("epoch_s %s" % ",".join("%.3f" % t for t in times))
    print("train_s %.3f" % clock.total)
    print("samples_per_s %.1f" % (n / clock.total))


def cmd_e2e(train_csv, threads, out):
    t0 = time.perf_counter()
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    x, y = w1data.read_csv_pandas(train_csv)
    lo, f = w1data.minmax_fit(x)
    x = torch.from_numpy(w1data.minmax_apply(x, lo, f))
    y = torch.from_numpy(y)
    t1 = time.perf_counter()
    model = net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    epoch(model, opt, x, y, 128, gen)
    t2 = time.perf_counter()
    torch.save({"model": model.state_dict(), "min": lo, "factor": f}, out)
    print("read_s %.3f" % (t1 - t0))
    print("train_s %.3f" % (t2 - t1))


def main(a):
    if len(a) == 6 and a[0] == "train":
        cmd_train(a[1], a[2], int(a[3]), int(a[4]), int(a[5]))
    elif len(a) == 4 and a[0] == "e2e":
        cmd_e2e(a[1], int(a[2]), a[3])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
