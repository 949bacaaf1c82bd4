package io.equistream.answer;

/** Stamped on every answer: which model, and a fingerprint of model weights + groups file. */
public record ServiceIdentity(String modelId, String configFingerprint) {
}
