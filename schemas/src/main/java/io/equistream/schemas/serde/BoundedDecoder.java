package io.equistream.schemas.serde;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Avro's binary decoder with every length prefix checked before anything is allocated. Why: Avro
 * allocates what a string, bytes or collection prefix claims and only then reads it, so a 16-byte
 * record claiming a 2 GiB string (or 2^31 array items) costs gigabytes. A message is a byte array
 * of known size, so a string or bytes value can never be longer than the bytes left in it, and an
 * array item takes at least one byte when every item type of the writer schema does; on top of
 * that the configured {@link AvroSerde.Limits} cap each value and the items of one record.
 */
final class BoundedDecoder extends Decoder {
  /** A length prefix the record cannot hold or the limits do not allow. */
  static final class LengthLimitException extends AvroRuntimeException {
    LengthLimitException(String message) {
      super(message);
    }
  }

  private final Decoder in;
  private final ByteArrayInputStream source;
  private final AvroSerde.Limits limits;
  private final boolean itemsTakeBytes;
  private long items;

  /**
   * @param source the record body; read unbuffered, so {@code source.available()} is what is left
   * @param itemsTakeBytes every array item type of the writer schema encodes to at least one byte
   */
  BoundedDecoder(ByteArrayInputStream source, AvroSerde.Limits limits, boolean itemsTakeBytes) {
    this.in = DecoderFactory.get().directBinaryDecoder(source, null);
    this.source = source;
    this.limits = limits;
    this.itemsTakeBytes = itemsTakeBytes;
  }

  /** A claim the limits allow but the rest of the message cannot hold: the body is cut short. */
  private int length(long claimed, int limit, String what) throws EOFException {
    if (claimed < 0) {
      throw new LengthLimitException("a " + what + " with negative length " + claimed);
    }
    if (claimed > limit) {
      throw new LengthLimitException("a " + what + " of " + claimed + " bytes exceeds the limit of " + limit);
    }
    int left = source.available();
    if (claimed > left) {
      throw new EOFException("a " + what + " of " + claimed + " bytes, but only " + left + " bytes are left");
    }
    return (int) claimed;
  }

  private long items(long block, boolean eachTakesAByte) throws EOFException {
    items += block;
    if (block < 0 || items > limits.maxCollectionItems()) {
      throw new LengthLimitException("a collection block of " + block + " items exceeds the limit of "
          + limits.maxCollectionItems() + " items per record");
    }
    int left = source.available();
    if (eachTakesAByte && block > left) {
      throw new EOFException("a collection block of " + block + " items, but only " + left + " bytes are left");
    }
    return block;
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int n = length(in.readLong(), limits.maxStringBytes(), "string");
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(n);
    in.readFixed(result.getBytes(), 0, n);
    return result;
  }

  @Override
  public String readString() throws IOException {
    int n = length(in.readLong(), limits.maxStringBytes(), "string");
    byte[] bytes = new byte[n];
    in.readFixed(bytes, 0, n);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public void skipString() throws IOException {
    in.skipFixed(length(in.readLong(), limits.maxStringBytes(), "string"));
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int n = length(in.readLong(), limits.maxBytes(), "bytes value");
    ByteBuffer result = old != null && old.hasArray() && old.capacity() >= n ? old.clear() : ByteBuffer.allocate(n);
    in.readFixed(result.array(), result.arrayOffset() + result.position(), n);
    result.limit(n);
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    in.skipFixed(length(in.readLong(), limits.maxBytes(), "bytes value"));
  }

  @Override
  public long readArrayStart() throws IOException {
    return items(in.readArrayStart(), itemsTakeBytes);
  }

  @Override
  public long arrayNext() throws IOException {
    return items(in.arrayNext(), itemsTakeBytes);
  }

  @Override
  public long readMapStart() throws IOException {
    return items(in.readMapStart(), true); // every entry has a string key: at least one byte
  }

  @Override
  public long mapNext() throws IOException {
    return items(in.mapNext(), true);
  }

  // Skipping allocates nothing; each skipped item still needs its bytes, so EOF bounds the work.

  @Override
  public long skipArray() throws IOException {
    return in.skipArray();
  }

  @Override
  public long skipMap() throws IOException {
    return in.skipMap();
  }

  @Override
  public void readNull() throws IOException {
    in.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return in.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return in.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return in.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return in.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return in.readDouble();
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    in.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    in.skipFixed(length);
  }

  @Override
  public int readEnum() throws IOException {
    return in.readEnum();
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }
}
