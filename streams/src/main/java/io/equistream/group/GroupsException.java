package io.equistream.group;

/** An invalid groups file or group selection; the message names the offending word or group. */
public class GroupsException extends IllegalArgumentException {
  public GroupsException(String message) {
    super(message);
  }
}
