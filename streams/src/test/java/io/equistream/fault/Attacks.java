package io.equistream.fault;

import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The records of {@link ServiceAttackFaultIT}: each of issue 13's attacks, keyed by request id
 * (also the Kafka key), with what the service must make of it.
 */
final class Attacks {
  /** What must happen: answered with this status, or dead-lettered. */
  enum Outcome { OK, REJECTED, FAILED, DLQ }

  /**
   * One record. {@code pattern}: what the reason (REJECTED, FAILED), the error header (DLQ) or one
   * of the notes (OK) must contain; null for an OK answer without notes.
   */
  record Expected(String kind, Outcome outcome, String pattern, byte[] value) {
  }

  static final String ALLOWED = "allowed reply topic";
  /** Prompts without a word of any group: one row per request, whatever the method. */
  static final String[] NEUTRAL = {"The doctor worked as a", "Yesterday the driver was", "The teacher said that",
      "My neighbour was known for", "The engineer had a job as"};
  private static final AvroSerde<PromptRequest> REQUESTS = AvroSerde.of(PromptRequest.class);

  private final Map<String, Expected> records = new LinkedHashMap<>();

  private Attacks() {
  }

  static Map<String, Expected> all(List<String> refusedTargets, String allowed, String missing) {
    Attacks a = new Attacks();
    for (String target : refusedTargets) {
      a.request("reply topic " + kindOf(target), Outcome.OK, "reply_topic_refused", r -> r.setReplyTopic(target));
    }
    a.times(4, ALLOWED, Outcome.OK, null, r -> r.setReplyTopic(allowed));
    a.times(2, "missing reply topic", Outcome.OK, "reply_topic_(missing|unconfirmed)", r -> r.setReplyTopic(missing));
    for (int i = 0; i < 2; i++) {
      a.raw("string length bomb", Outcome.DLQ, "length limit", AvroBombs.string());
      a.raw("array length bomb", Outcome.DLQ, "length limit", AvroBombs.array());
      a.raw("map length bomb", Outcome.DLQ, "length limit", AvroBombs.map());
    }
    byte[] garbage = new byte[1_000_000];
    Arrays.fill(garbage, (byte) 0x7B);
    a.raw("1 MB of garbage", Outcome.DLQ, "bad magic|cannot deserialize", garbage);
    a.request("prompt over the character limit", Outcome.REJECTED, "prompt has 30000 characters",
        r -> r.setPrompt("x".repeat(30_000)));
    a.request("1 MB prompt", Outcome.REJECTED, "prompt has 1000000 characters", r -> r.setPrompt("a ".repeat(500_000)));
    a.request("too many metadata entries", Outcome.REJECTED, "metadata has 40 entries", r -> r.setMetadata(
        IntStream.range(0, 40).boxed().collect(Collectors.toMap(n -> "k" + n, n -> "v"))));
    a.request("too many groups", Outcome.REJECTED, "groups has 40 entries",
        r -> r.setGroups(java.util.Collections.nCopies(40, "gender")));
    a.raw("over-long request id", Outcome.DLQ, "request_id has 300 characters",
        REQUESTS.serializer().serialize("", valid("x".repeat(300)).build()));
    a.times(3, "oversized output", Outcome.FAILED, "equistream.limit.max.output.bytes=40000",
        r -> r.setMetadata(Map.of("blob", "b".repeat(60_000))));
    for (String forged : List.of("\n", "\r\n", "\u2028", "\u0085")) {
      String id = "a-" + a.records.size();
      a.raw("forged log line in the request id", Outcome.DLQ, "non-printable", id,
          REQUESTS.serializer().serialize("", valid(id + forged + "FORGED-LINE INFO all good").build()));
    }
    a.request("forged log line in the method", Outcome.REJECTED, "unknown method",
        r -> r.setMethod("multi\nFORGED-LINE INFO all good"));
    a.request("forged log line in the reply topic", Outcome.REJECTED, "not a legal topic name",
        r -> r.setReplyTopic("reply-x\nFORGED-LINE"));
    a.times(6, "valid control", Outcome.OK, null, r -> r);
    return a.records;
  }

  private static String kindOf(String target) {
    if (target.startsWith("__")) {
      return "internal to Kafka";
    }
    return target.startsWith(ServiceAttackFaultIT.APP + "-") ? "internal to the application"
        : target.startsWith("reply-") ? "of the service" : "of another tenant";
  }

  private void times(int n, String kind, Outcome outcome, String pattern, UnaryOperator<PromptRequest.Builder> edit) {
    for (int i = 0; i < n; i++) {
      request(kind, outcome, pattern, edit);
    }
  }

  private void request(String kind, Outcome outcome, String pattern, UnaryOperator<PromptRequest.Builder> edit) {
    String id = "a-" + records.size();
    records.put(id, new Expected(kind, outcome, pattern, REQUESTS.serializer().serialize("", edit.apply(valid(id)).build())));
  }

  private void raw(String kind, Outcome outcome, String pattern, byte[] value) {
    raw(kind, outcome, pattern, "a-" + records.size(), value);
  }

  private void raw(String kind, Outcome outcome, String pattern, String id, byte[] value) {
    records.put(id, new Expected(kind, outcome, pattern, value));
  }

  private static PromptRequest.Builder valid(String id) {
    return PromptRequest.newBuilder().setRequestId(id).setConversationId("").setPrompt("The woman worked as a")
        .setGroups(List.of("gender")).setCreatedAt(Instant.now());
  }

  static boolean matches(String pattern, String text) {
    return text != null && Pattern.compile(pattern).matcher(text).find();
  }

  /** Null when the answers of an answered record are what it expects; else what is wrong. */
  static String problem(Expected e, List<FairCompletion> answers, int deadLetters) {
    if (answers.size() != 1 || deadLetters != 0) {
      return answers.size() + " answers, " + deadLetters + " dead letters";
    }
    FairCompletion c = answers.get(0);
    if (c.getStatus() != CompletionStatus.valueOf(e.outcome().name())) {
      return c.getStatus() + " (" + c.getReason() + ")";
    }
    if (e.outcome() != Outcome.OK) {
      return matches(e.pattern(), c.getReason()) ? null : "reason " + c.getReason();
    }
    boolean full = c.getCompletionTokens() == FaultKit.NEW_TOKENS || "eos".equals(c.getFinishReason());
    if (!full) {
      return c.getCompletionTokens() + " tokens, finish " + c.getFinishReason();
    }
    List<String> notes = c.getNotes();
    if (e.pattern() != null) {
      return notes.size() == 1 && matches(e.pattern(), notes.get(0)) ? null : "notes " + notes;
    }
    boolean allowedNotes = notes.isEmpty()
        || e.kind().equals(ALLOWED) && notes.size() == 1 && notes.get(0).startsWith("reply_topic_unconfirmed");
    return allowedNotes ? null : "notes " + notes;
  }
}
