#!/usr/bin/env python3
"""deep_model.py - write a valid model file (man/nn-model.5) of a very deep,
narrow network, which nn-train cannot be asked for on a command line:
L - 1 relu layers 1 -> 1, then a sigmoid layer 1 -> 1, every weight 1 and
every bias 0.  A binary model of one feature "x" with labels "no" and
"yes"; for x > 0 it predicts sigmoid(x).
Usage: deep_model.py LAYERS OUT.nn"""
import struct, sys, zlib

L, out = int(sys.argv[1]), sys.argv[2]


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def f32(v):
    return struct.pack("<f", v)


def string(s):
    b = s.encode()
    return u32(len(b)) + b


layer = u32(1) + u32(1) + string("relu")
arch = (string("binary") + string("bce") + u32(1) + u32(1) + u32(L) +
        layer * (L - 1) + u32(1) + u32(1) + string("sigmoid"))
sections = [
    ("ARCH", arch),
    ("SCAL", string("none") + u32(1) + f32(0.0) + f32(1.0)),
    ("FEAT", u32(1) + string("x")),
    ("TARG", string("y") + u32(1) + u32(2)),
    ("LABL", u32(2) + string("no") + string("yes")),
    ("META", u64(1) + string("deep_model.py") + u32(0) + u64(0) + u32(0) +
     u32(1) + f32(0.1) + f32(0.0)),
    ("WGHT", u64(2 * L) + (f32(1.0) + f32(0.0)) * L),
]
body = b"NNKITMDL" + u32(1)
for tag, payload in sections:
    body += tag.encode() + u64(len(payload)) + payload
body += b"DONE" + u64(0)
with open(out, "wb") as f:
    f.write(body + u32(zlib.crc32(body)))
