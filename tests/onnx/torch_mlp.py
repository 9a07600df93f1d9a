"""torch_mlp.py KIND DIR: train a small PyTorch MLP briefly, export it with
torch.onnx.export to DIR/KIND.onnx, and write DIR/KIND.csv (features x1..x4
and a target column) and DIR/KIND.torch.csv (torch's outputs, one row per
line) for tests/onnx.bats to compare with nn-predict on the imported model.

KIND: binary (Linear, LeakyReLU(0.1), Linear, Sigmoid), multiclass (Linear,
ReLU, Linear, Tanh, Linear, Softmax), regression (Linear, GELU, Linear, ELU,
Linear).  torch writes each Linear as Gemm (transB 1) and GELU as its erf
form.
"""
import sys

import torch

kind, out = sys.argv[1], sys.argv[2]
torch.manual_seed(5)
x = torch.randn(64, 4)
nn = torch.nn
if kind == "binary":
    net = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.1), nn.Linear(8, 1),
                        nn.Sigmoid())
    y = (x[:, 0] * x[:, 1] > 0).float().unsqueeze(1)
    loss_fn = nn.BCELoss()
elif kind == "multiclass":
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(),
                        nn.Linear(6, 3), nn.Softmax(dim=1))
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    loss_fn = lambda p, t: nn.functional.nll_loss(torch.log(p), t)
else:
    net = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 8), nn.ELU(),
                        nn.Linear(8, 1))
    y = (x[:, 0] - 2 * x[:, 2]).unsqueeze(1)
    loss_fn = nn.MSELoss()
opt = torch.optim.Adam(net.parameters(), lr=0.01)
for _ in range(50):
    opt.zero_grad()
    loss_fn(net(x), y).backward()
    opt.step()
net.eval()
torch.onnx.export(net, x[:1], f"{out}/{kind}.onnx", input_names=["x"],
                  output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
with torch.no_grad():
    p = net(x)
if kind == "binary":
    p = torch.cat([1 - p, p], dim=1)
with open(f"{out}/{kind}.csv", "w") as f:
    f.write("x1,x2,x3,x4,target\n")
    for r, t in zip(x.tolist(), y.reshape(64, -1).tolist()):
        f.write(",".join(repr(v) for v in r) + f",{t[0]:g}\n")
with open(f"{out}/{kind}.torch.csv", "w") as f:
    for r in p.tolist():
        f.write(",".join(repr(v) for v in r) + "\n")
