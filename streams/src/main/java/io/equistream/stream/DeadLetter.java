package io.equistream.stream;

/** A record the service cannot answer (no request id to answer to): original bytes plus the reason. */
public record DeadLetter(byte[] value, String reason) {
}
