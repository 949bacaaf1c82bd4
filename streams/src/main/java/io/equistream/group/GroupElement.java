package io.equistream.group;

import java.util.Arrays;

/** An element of a product of cyclic groups: one shift per factor (0 = identity in that factor). */
public record GroupElement(int[] shifts) {
  public static GroupElement identity(int factors) {
    return new GroupElement(new int[factors]);
  }

  public boolean isIdentity() {
    return Arrays.stream(shifts).allMatch(s -> s == 0);
  }

  public int shift(int factor) {
    return shifts[factor];
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof GroupElement element && Arrays.equals(shifts, element.shifts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(shifts);
  }

  @Override
  public String toString() {
    return Arrays.toString(shifts);
  }
}
