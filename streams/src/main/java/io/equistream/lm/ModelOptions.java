package io.equistream.lm;

/** How to open a model: device and ONNX Runtime thread counts. */
public record ModelOptions(ExecutionDevice device, int intraOpThreads, int interOpThreads) {
  public static ModelOptions defaults() {
    return new ModelOptions(ExecutionDevice.CPU, Math.max(1, Runtime.getRuntime().availableProcessors()), 1);
  }

  public ModelOptions withDevice(ExecutionDevice newDevice) {
    return new ModelOptions(newDevice, intraOpThreads, interOpThreads);
  }

  public ModelOptions withThreads(int intra, int inter) {
    return new ModelOptions(device, intra, inter);
  }
}
