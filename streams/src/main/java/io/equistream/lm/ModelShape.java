package io.equistream.lm;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import java.util.Map;

/**
 * What the decoder needs to know about a causal-LM graph, read from its ONNX input/output
 * metadata (Hugging Face Optimum layout): layers, heads, head size, vocabulary, which inputs exist.
 */
public record ModelShape(
    int layers, int heads, int headDim, int vocabSize, boolean hasPast, boolean hasPositionIds,
    boolean hasAttentionMask, boolean lastPositionLogits) {

  static final String INPUT_IDS = "input_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String POSITION_IDS = "position_ids";
  static final String LOGITS = "logits";

  static String pastKey(int layer) {
    return "past_key_values." + layer + ".key";
  }

  static String pastValue(int layer) {
    return "past_key_values." + layer + ".value";
  }

  static String presentKey(int layer) {
    return "present." + layer + ".key";
  }

  static String presentValue(int layer) {
    return "present." + layer + ".value";
  }

  static ModelShape read(Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) throws OrtException {
    if (!inputs.containsKey(INPUT_IDS)) {
      throw new ModelLoadException("model has no 'input_ids' input (inputs: " + inputs.keySet() + ")");
    }
    if (!outputs.containsKey(LOGITS)) {
      throw new ModelLoadException("model has no 'logits' output (outputs: " + outputs.keySet() + ")");
    }
    int layers = 0;
    while (inputs.containsKey(pastKey(layers))) {
      if (!inputs.containsKey(pastValue(layers)) || !outputs.containsKey(presentKey(layers))
          || !outputs.containsKey(presentValue(layers))) {
        throw new ModelLoadException("layer " + layers + " lacks past/present key/value tensors");
      }
      layers++;
    }
    long[] logitsShape = ((TensorInfo) outputs.get(LOGITS).getInfo()).getShape();
    int vocab = (int) logitsShape[logitsShape.length - 1];
    if (vocab <= 0) {
      throw new ModelLoadException("the vocabulary size of 'logits' is not fixed in the graph");
    }
    int heads = 0;
    int headDim = 0;
    if (layers > 0) {
      long[] pastShape = ((TensorInfo) inputs.get(pastKey(0)).getInfo()).getShape();
      if (pastShape.length != 4 || pastShape[1] <= 0 || pastShape[3] <= 0) {
        throw new ModelLoadException(
            "past_key_values.0.key must be [batch, heads, past, head_dim] with fixed heads and head_dim");
      }
      heads = (int) pastShape[1];
      headDim = (int) pastShape[3];
    }
    // [batch, 1, vocab] with a static 1: the graph projects only the last position onto the vocabulary.
    boolean lastOnly = logitsShape.length == 3 && logitsShape[1] == 1;
    return new ModelShape(layers, heads, headDim, vocab, layers > 0, inputs.containsKey(POSITION_IDS),
        inputs.containsKey(ATTENTION_MASK), lastOnly);
  }

  /** Bytes of one sequence's key/value cache per token, all layers: layers x 2 x hidden x 4. */
  public long kvBytesPerToken() {
    return (long) layers * 2 * heads * headDim * Float.BYTES;
  }
}
