package io.equistream.answer;

import io.equistream.schemas.PromptRequest;
import java.util.List;
import java.util.Map;

/**
 * Size and identity checks made when a request arrives, before it is buffered, so the buffer (and
 * its changelog) only ever holds requests of bounded size, and nothing hostile reaches a log line.
 * A request without a usable request_id cannot be answered safely (it is the caller's correlation
 * key, echoed and logged): it is dead-lettered. Anything else that is too big is rejected; the
 * {@link Verdict.Reject#trimmed() trimmed} request (no prompt, stop or metadata, oversized fields
 * cleared) is what should be buffered to answer it in order. Reasons never quote the request.
 */
public final class RequestScreen {
  /** The limits, from {@code equistream.limit.*}. */
  public record Limits(int maxRequestIdChars, int maxPromptChars, int maxStopChars, int maxMetadataEntries,
      int maxMetadataBytes, int maxFieldChars, int maxGroups) {
  }

  /** What to do with an arriving request. */
  public sealed interface Verdict permits Verdict.Accept, Verdict.Reject, Verdict.DeadLetter {
    /** Buffer it as it is. */
    record Accept() implements Verdict {
    }

    /** Answer REJECTED with the reason; buffer {@code trimmed} (bounded size) to keep the answer order. */
    record Reject(String reason, PromptRequest trimmed) implements Verdict {
    }

    /** Nobody can safely be answered: dead-letter the record with the reason. */
    record DeadLetter(String reason) implements Verdict {
    }
  }

  private static final Verdict ACCEPT = new Verdict.Accept();
  private final Limits limits;

  public RequestScreen(Limits limits) {
    this.limits = limits;
  }

  public Verdict screen(PromptRequest request) {
    String idProblem = requestIdProblem(request.getRequestId());
    if (idProblem != null) {
      return new Verdict.DeadLetter(idProblem);
    }
    String reason = sizeProblem(request);
    return reason == null ? ACCEPT : new Verdict.Reject(reason, trimmed(request));
  }

  /** Null when the id is fine; else why not, without quoting it. */
  String requestIdProblem(String id) {
    if (id == null || id.isBlank()) {
      return "missing request_id: nobody to answer";
    }
    if (id.length() > limits.maxRequestIdChars()) {
      return "request_id has " + id.length() + " characters; equistream.limit.max.request.id.chars="
          + limits.maxRequestIdChars();
    }
    int at = PrintableText.firstUnprintable(id);
    if (at >= 0) {
      return String.format("request_id has a non-printable character U+%04X at index %d (control, format or"
          + " line-separator characters could forge log lines)", id.codePointAt(at), at);
    }
    return null;
  }

  private String sizeProblem(PromptRequest r) {
    if (r.getPrompt() != null && r.getPrompt().length() > limits.maxPromptChars()) {
      return "prompt has " + r.getPrompt().length() + " characters; equistream.limit.max.prompt.chars="
          + limits.maxPromptChars();
    }
    if (r.getStop() != null && r.getStop().length() > limits.maxStopChars()) {
      return "stop string has " + r.getStop().length() + " characters; equistream.limit.max.stop.chars="
          + limits.maxStopChars();
    }
    Map<String, String> metadata = r.getMetadata();
    if (metadata != null && metadata.size() > limits.maxMetadataEntries()) {
      return "metadata has " + metadata.size() + " entries; equistream.limit.max.metadata.entries="
          + limits.maxMetadataEntries();
    }
    long metadataBytes = metadataBytes(metadata);
    if (metadataBytes > limits.maxMetadataBytes()) {
      return "metadata has " + metadataBytes + " bytes (UTF-8, keys and values); equistream.limit.max.metadata.bytes="
          + limits.maxMetadataBytes();
    }
    List<String> groups = r.getGroups();
    if (groups != null && groups.size() > limits.maxGroups()) {
      return "groups has " + groups.size() + " entries; equistream.limit.max.groups=" + limits.maxGroups();
    }
    return fieldProblem(r);
  }

  private String fieldProblem(PromptRequest r) {
    String[][] fields = {{"conversation_id", r.getConversationId()}, {"method", r.getMethod()},
        {"aggregate", r.getAggregate()}, {"reply_topic", r.getReplyTopic()}};
    for (String[] field : fields) {
      if (tooLong(field[1])) {
        return field[0] + " has " + field[1].length() + " characters; equistream.limit.max.field.chars="
            + limits.maxFieldChars();
      }
    }
    if (r.getGroups() != null && r.getGroups().stream().anyMatch(this::tooLong)) {
      return "a group name is longer than equistream.limit.max.field.chars=" + limits.maxFieldChars();
    }
    return null;
  }

  private boolean tooLong(String value) {
    return value != null && value.length() > limits.maxFieldChars();
  }

  /** The request with everything unbounded removed: what a REJECTED answer needs, and no more. */
  private PromptRequest trimmed(PromptRequest r) {
    boolean groupsOk = r.getGroups() == null
        || r.getGroups().size() <= limits.maxGroups() && r.getGroups().stream().noneMatch(this::tooLong);
    return PromptRequest.newBuilder(r)
        .setPrompt("")
        .setStop(null)
        .setMetadata(Map.of())
        .setConversationId(tooLong(r.getConversationId()) ? "" : r.getConversationId())
        .setMethod(tooLong(r.getMethod()) ? null : r.getMethod())
        .setAggregate(tooLong(r.getAggregate()) ? null : r.getAggregate())
        .setReplyTopic(tooLong(r.getReplyTopic()) ? null : r.getReplyTopic())
        .setGroups(groupsOk ? r.getGroups() : List.of())
        .build();
  }

  /** UTF-8 bytes of all keys and values, counted without encoding them. */
  static long metadataBytes(Map<String, String> metadata) {
    long bytes = 0;
    if (metadata != null) {
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        bytes += PrintableText.utf8Length(e.getKey()) + PrintableText.utf8Length(e.getValue());
      }
    }
    return bytes;
  }
}
