#!/usr/bin/env python3
"""Recompute nn-train --trace's arithmetic by hand (float64, no numpy) from
the inputs and weights it prints, and compare every printed matrix.

Supports dense networks with sigmoid/tanh/relu hidden layers and a sigmoid
output with BCE, and the SGD update.  Usage: trace_check.py RATE < trace
Exit 0 when every value agrees to 1e-5 (relative, floor 1e-6)."""
import math
import sys

lines = sys.stdin.read().splitlines()
rate = float(sys.argv[1])
mats, order, i = {}, [], 0
while i < len(lines):
    ln = lines[i]
    if ln.endswith('):') and ' x ' in ln:
        title = ln[:ln.rindex(' (')]
        r, c = ln[ln.rindex('(') + 1:-2].split(' x ')
        rows = [[float(v) for v in lines[i + 1 + k].split()] for k in range(int(r))]
        mats[title] = rows
        order.append(title)
        i += 1 + int(r)
    elif ln.startswith('class ('):
        mats['class'] = [int(v) for v in lines[i + 1].split()]
        i += 2
    elif ln.startswith('loss ('):
        mats['loss'] = float(ln.split('=')[1])
        i += 1
    else:
        i += 1

X = mats['X (scaled input)']
y = mats['class']
B = len(X)
L = max(int(t.split(':')[0].split()[1]) for t in order if t.startswith('layer '))
acts = {}
for t in order:
    if ': a = ' in t:
        acts[int(t.split(':')[0].split()[1])] = t.split('= ')[1].split('(')[0]
f = {'sigmoid': lambda z: 1 / (1 + math.exp(-z)), 'tanh': math.tanh,
     'relu': lambda z: max(z, 0.0), 'linear': lambda z: z}
df = {'sigmoid': lambda z, a: a * (1 - a), 'tanh': lambda z, a: 1 - a * a,
      'relu': lambda z, a: 1.0 if z > 0 else 0.0, 'linear': lambda z, a: 1.0}

def mm(A, Bm):
    return [[sum(A[r][k] * Bm[k][c] for k in range(len(Bm))) for c in range(len(Bm[0]))]
            for r in range(len(A))]

def T(A):
    return [list(r) for r in zip(*A)]

bad = 0
def check(name, want):
    global bad
    got = mats[name]
    for r in range(len(want)):
        for c in range(len(want[0])):
            g, w = got[r][c], want[r][c]
            if abs(g - w) > 1e-5 * max(abs(w), 1e-6) + 1e-6:
                print(f'{name}[{r}][{c}]: printed {g}, recomputed {w}')
                bad += 1

A, Z, As = X, {}, {0: X}
for l in range(1, L + 1):
    W, b = mats[f'layer {l}: W'], mats[f'layer {l}: b'][0]
    z = [[v + b[c] for c, v in enumerate(row)] for row in mm(A, W)]
    a = [[f[acts[l]](v) for v in row] for row in z]
    check(f'layer {l}: z = {"a(prev)" if l > 1 else "X"} W + b', z)
    check(f'layer {l}: a = {acts[l]}(z)', a)
    Z[l], As[l], A = z, a, a
p = [r[0] for r in As[L]]
loss = -sum(math.log(p[i]) if y[i] else math.log(1 - p[i]) for i in range(B)) / B
if abs(loss - mats['loss']) > 1e-5 * abs(loss):
    print(f'loss: printed {mats["loss"]}, recomputed {loss}'); bad += 1
check(f'layer {L}: dL/da', [[-(y[i] / p[i] - (1 - y[i]) / (1 - p[i])) / B] for i in range(B)])
dz = [[(p[i] - y[i]) / B] for i in range(B)]
for l in range(L, 0, -1):
    check(f'layer {l}: dz = dL/dz', dz)
    dW = mm(T(As[l - 1]), dz)
    db = [[sum(dz[i][c] for i in range(B)) for c in range(len(dz[0]))]]
    check(f'layer {l}: dW = {"a(prev)" if l > 1 else "X"}^T dz', dW)
    check(f'layer {l}: db = sum of dz', db)
    W, b = mats[f'layer {l}: W'], mats[f'layer {l}: b']
    check(f'layer {l}: W after the step', [[W[r][c] - rate * dW[r][c] for c in range(len(W[0]))] for r in range(len(W))])
    check(f'layer {l}: b after the step', [[b[0][c] - rate * db[0][c] for c in range(len(b[0]))]])
    if l > 1:
        da = mm(dz, T(W))
        check(f'layer {l - 1}: dL/da = dz W^T', da)
        dz = [[da[i][c] * df[acts[l - 1]](Z[l - 1][i][c], As[l - 1][i][c])
               for c in range(len(da[0]))] for i in range(B)]
print(f'{bad} mismatches')
sys.exit(1 if bad else 0)
