"""graphs.py KIND OUT: write an ONNX file built with onnx.helper, for the
import rows of tests/onnx.bats.

  skl-classifier  an MLPClassifier as skl2onnx writes one: MatMul + Add +
                  Relu, MatMul + Add + Softmax to "probabilities", and the
                  label nodes (ArgMax, ArrayFeatureExtractor, Cast, ZipMap)
                  beside it; also OUT.csv (x1..x3, target) and OUT.ref.csv
                  (the probabilities, computed here with numpy)
  skl-regressor   an MLPRegressor: MatMul + Add + Tanh, MatMul + Add to
                  "variable"; OUT.csv and OUT.ref.csv likewise
  bad-length      a weight whose dims say 12 floats but which holds 11
  bad-op          a Conv node named "conv1" in the chain
  bad-chain       Gemm 3 -> 4 followed by Gemm 5 -> 1
  bad-cycle       two nodes that take each other's output
  bad-huge        a weight that claims 2^29 floats (2 GiB) and holds none
  bad-double      double weights
The bad files are written without the checker (they are meant to fail).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

kind, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(11)


def init(name, a):
    return numpy_helper.from_array(np.asarray(a, dtype=np.float32), name)


def model(nodes, inits, outputs, d=3, opsets=(("", 13),)):
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(
        "X", TensorProto.FLOAT, [None, d])], outputs, inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid(dom, v)
                                               for dom, v in opsets])


def save(m):
    with open(out, "wb") as f:
        f.write(m.SerializeToString())


def data(ref):
    x = rng.normal(size=(20, 3)).astype(np.float32)
    with open(out + ".csv", "w") as f:
        f.write("x1,x2,x3,target\n")
        for r in x:
            f.write(",".join(repr(float(v)) for v in r) + ",0\n")
    with open(out + ".ref.csv", "w") as f:
        for r in ref(x):
            f.write(",".join(repr(float(v)) for v in r) + "\n")


w0 = rng.normal(size=(3, 5)).astype(np.float32)
b0 = rng.normal(size=5).astype(np.float32)
if kind == "skl-classifier":
    w1 = rng.normal(size=(5, 3)).astype(np.float32)
    b1 = rng.normal(size=3).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["X", "coefficient"], ["mul_result"], name="MatMul"),
        helper.make_node("Add", ["mul_result", "intercepts"], ["add_result"], name="Add"),
        helper.make_node("Relu", ["add_result"], ["next_activations"], name="Relu"),
        helper.make_node("MatMul", ["next_activations", "coefficient1"], ["mul_result1"], name="MatMul1"),
        helper.make_node("Add", ["mul_result1", "intercepts1"], ["add_result1"], name="Add1"),
        helper.make_node("Softmax", ["add_result1"], ["probabilities"], name="Softmax", axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["argmax_output"], name="ArgMax", axis=1),
        helper.make_node("ArrayFeatureExtractor", ["classes", "argmax_output"], ["array_feature_extractor_result"],
                         name="ArrayFeatureExtractor", domain="ai.onnx.ml"),
        helper.make_node("Cast", ["array_feature_extractor_result"], ["label"], name="Cast", to=TensorProto.INT64),
        helper.make_node("ZipMap", ["probabilities"], ["output_probability"], name="ZipMap",
                         domain="ai.onnx.ml", classlabels_int64s=[0, 1, 2]),
    ]
    inits = [init("coefficient", w0), init("intercepts", b0), init("coefficient1", w1),
             init("intercepts1", b1), numpy_helper.from_array(np.array([0, 1, 2], dtype=np.int64), "classes")]
    seqmap = onnx.TypeProto()
    seqmap.sequence_type.elem_type.map_type.key_type = TensorProto.INT64
    seqmap.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
    outs = [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
            onnx.ValueInfoProto(name="output_probability", type=seqmap)]
    m = model(nodes, inits, outs, opsets=(("", 13), ("ai.onnx.ml", 1)))
    # not full_check: this onnx's shape inference has no rule for ZipMap
    onnx.checker.check_model(m)
    save(m)

    def ref(x):
        z = np.maximum(x @ w0 + b0, 0) @ w1 + b1
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    data(ref)
elif kind == "skl-regressor":
    w1 = rng.normal(size=(5, 1)).astype(np.float32)
    b1 = rng.normal(size=1).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["X", "coefficient"], ["mul_result"], name="MatMul"),
        helper.make_node("Add", ["mul_result", "intercepts"], ["add_result"], name="Add"),
        helper.make_node("Tanh", ["add_result"], ["next_activations"], name="Tanh"),
        helper.make_node("MatMul", ["next_activations", "coefficient1"], ["mul_result1"], name="MatMul1"),
        helper.make_node("Add", ["mul_result1", "intercepts1"], ["variable"], name="Add1"),
    ]
    inits = [init("coefficient", w0), init("intercepts", b0), init("coefficient1", w1), init("intercepts1", b1)]
    m = model(nodes, inits, [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])])
    onnx.checker.check_model(m, full_check=True)
    save(m)
    data(lambda x: np.tanh(x @ w0 + b0) @ w1 + b1)
else:
    y = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])]
    w = init("w", rng.normal(size=(3, 4)))
    v = init("v", rng.normal(size=(4, 1)))
    gemm = [helper.make_node("Gemm", ["X", "w"], ["h"], name="dense1"),
            helper.make_node("Gemm", ["h", "v"], ["y"], name="dense2")]
    if kind == "bad-length":
        w.raw_data = w.raw_data[:-4]
        save(model(gemm, [w, v], y))
    elif kind == "bad-op":
        nodes = [gemm[0], helper.make_node("Conv", ["h", "v"], ["c"], name="conv1"),
                 helper.make_node("Gemm", ["c", "v"], ["y"], name="dense2")]
        save(model(nodes, [w, v], y))
    elif kind == "bad-chain":
        save(model(gemm, [w, init("v", rng.normal(size=(5, 1)))], y))
    elif kind == "bad-cycle":
        nodes = [helper.make_node("Add", ["X", "b"], ["a"], name="loop_a"),
                 helper.make_node("Relu", ["a"], ["b"], name="loop_b"),
                 helper.make_node("Gemm", ["b", "w"], ["y"], name="dense")]
        save(model(nodes, [w], y))
    elif kind == "bad-huge":
        t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 29])
        save(model(gemm, [t, v], y))
    elif kind == "bad-double":
        wd = numpy_helper.from_array(rng.normal(size=(3, 4)), "w")
        save(model(gemm, [wd, v], y))
    else:
        sys.exit(f"graphs.py: unknown kind {kind}")
