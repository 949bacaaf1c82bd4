#!/usr/bin/env python3
"""Writes the one-node ONNX graph the engine runs softmax with (ONNX Runtime's vectorized kernel).

  probs[n, v] = exp(logits[n, v] - max_v logits[n, :]) / sum_v exp(...)      (Softmax, axis -1, opset 13)

Usage: /usr/bin/python3 models/scripts/make_softmax_graph.py streams/src/main/resources/io/equistream/lm/softmax.onnx
"""
import sys

import onnx
from onnx import TensorProto, helper


def main(path):
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["rows", "vocab"])
    probs = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["rows", "vocab"])
    node = helper.make_node("Softmax", ["logits"], ["probs"], axis=-1)
    graph = helper.make_graph([node], "row_softmax", [logits], [probs])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="equistream")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1])
