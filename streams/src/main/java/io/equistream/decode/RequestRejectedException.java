package io.equistream.decode;

/** A request that cannot be served as asked; the message is the reason given back to the caller. */
public class RequestRejectedException extends IllegalArgumentException {
  public RequestRejectedException(String reason) {
    super(reason);
  }
}
