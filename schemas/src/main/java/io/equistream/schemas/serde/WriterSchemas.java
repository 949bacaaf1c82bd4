package io.equistream.schemas.serde;

import java.util.HashSet;
import java.util.Set;
import org.apache.avro.Schema;

/** Facts about a writer schema that bound what its messages can claim. */
final class WriterSchemas {
  private WriterSchemas() {}

  /**
   * True when every array item type encodes to at least one byte, so an array block can never
   * hold more items than there are bytes left (false e.g. for arrays of null or of empty records).
   */
  static boolean everyArrayItemTakesAByte(Schema schema) {
    return itemsTakeBytes(schema, new HashSet<>());
  }

  private static boolean itemsTakeBytes(Schema s, Set<String> seen) {
    switch (s.getType()) {
      case ARRAY:
        return minBytes(s.getElementType(), new HashSet<>()) >= 1 && itemsTakeBytes(s.getElementType(), seen);
      case MAP:
        return itemsTakeBytes(s.getValueType(), seen);
      case UNION:
        return s.getTypes().stream().allMatch(b -> itemsTakeBytes(b, seen));
      case RECORD:
        if (!seen.add(s.getFullName())) {
          return true;
        }
        return s.getFields().stream().allMatch(f -> itemsTakeBytes(f.schema(), seen));
      default:
        return true;
    }
  }

  /** The fewest bytes a value of this type encodes to. */
  private static long minBytes(Schema s, Set<String> visiting) {
    switch (s.getType()) {
      case NULL:
        return 0;
      case FLOAT:
        return 4;
      case DOUBLE:
        return 8;
      case FIXED:
        return s.getFixedSize();
      case RECORD: {
        if (!visiting.add(s.getFullName())) {
          return 1; // a recursive record terminates through a union or collection: at least a byte
        }
        long sum = 0;
        for (Schema.Field f : s.getFields()) {
          sum += minBytes(f.schema(), visiting);
        }
        visiting.remove(s.getFullName());
        return sum;
      }
      default:
        return 1; // boolean, int, long, enum, string, bytes, union index, collection count
    }
  }
}
