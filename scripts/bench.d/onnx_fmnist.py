"""onnx_fmnist.py TRAIN.csv TEST.csv OUT EPOCHS - for scripts/bench.

A PyTorch MLP 784-256-128-10 (relu, Adam 1e-3, batch 128) trained for
EPOCHS on Fashion-MNIST, exported with torch.onnx.export to OUT/fm.onnx
(pixels in, the /255 folded into the first layer, probabilities out), and
its own test accuracy.  Prints "key value" lines: torch_acc, torch_s.
"""
import sys
import time

import numpy as np
import pandas as pd
import torch

train, test, out, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
torch.manual_seed(1)
torch.set_num_threads(1)
tr = pd.read_csv(train).to_numpy(dtype=np.float32)
te = pd.read_csv(test).to_numpy(dtype=np.float32)
xtr, ytr = torch.from_numpy(tr[:, :-1] / 255.0), torch.from_numpy(tr[:, -1]).long()
xte, yte = torch.from_numpy(te[:, :-1] / 255.0), torch.from_numpy(te[:, -1]).long()
nn = torch.nn
net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                    nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
t0 = time.time()
for _ in range(epochs):
    perm = torch.randperm(len(xtr))
    for i in range(0, len(xtr), 128):
        b = perm[i:i + 128]
        opt.zero_grad()
        nn.functional.cross_entropy(net(xtr[b]), ytr[b]).backward()
        opt.step()
net.eval()
with torch.no_grad():
    acc = (net(xte).argmax(1) == yte).float().mean().item()
    net[0].weight /= 255.0          # take pixels as they are in the CSV
    full = nn.Sequential(*net, nn.Softmax(dim=1))
    torch.onnx.export(full, torch.zeros(1, 784), f"{out}/fm.onnx",
                      input_names=["input"], output_names=["probabilities"],
                      dynamic_axes={"input": {0: "n"}, "probabilities": {0: "n"}},
                      opset_version=13)
print("torch_acc", f"{acc:.4f}")
print("torch_s", f"{time.time() - t0:.2f}")
