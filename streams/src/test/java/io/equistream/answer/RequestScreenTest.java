package io.equistream.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sizes and the request id are checked before a request is buffered; reasons never quote the request. */
class RequestScreenTest {
  private static final RequestScreen SCREEN = new RequestScreen(new RequestScreen.Limits(256, 20_000, 256, 32, 8192,
      256, 32));

  private static PromptRequest.Builder valid() {
    return PromptRequest.newBuilder().setRequestId("req-1").setConversationId("conv-1").setPrompt("The man worked as")
        .setMetadata(Map.of("user", "ü✓"));
  }

  private static RequestScreen.Verdict.Reject rejected(PromptRequest request, String reasonPart) {
    RequestScreen.Verdict verdict = SCREEN.screen(request);
    RequestScreen.Verdict.Reject reject = assertInstanceOf(RequestScreen.Verdict.Reject.class, verdict);
    assertTrue(reject.reason().contains(reasonPart), reject.reason());
    int trimmedBytes = AvroSerde.of(PromptRequest.class).serializer().serialize("", reject.trimmed()).length;
    assertTrue(trimmedBytes < 2_000, "the buffered stand-in is small: " + trimmedBytes + " bytes");
    assertEquals(request.getRequestId(), reject.trimmed().getRequestId());
    return reject;
  }

  @Test
  void anOrdinaryRequestIsAccepted() {
    assertInstanceOf(RequestScreen.Verdict.Accept.class, SCREEN.screen(valid().build()));
    assertInstanceOf(RequestScreen.Verdict.Accept.class, SCREEN.screen(valid().setPrompt("x".repeat(20_000))
        .setStop("\n\n").setGroups(List.of("gender", "race")).build()));
  }

  @Test
  void oversizedPartsAreRejectedWithTheLimitNamed() {
    rejected(valid().setPrompt("x".repeat(20_001)).build(), "equistream.limit.max.prompt.chars=20000");
    rejected(valid().setStop("s".repeat(257)).build(), "equistream.limit.max.stop.chars=256");
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 33; i++) {
      many.put("k" + i, "v");
    }
    rejected(valid().setMetadata(many).build(), "metadata has 33 entries");
    rejected(valid().setMetadata(Map.of("blob", "é".repeat(4_095))).build(), "metadata has 8194 bytes");
    rejected(valid().setGroups(Collections.nCopies(33, "gender")).build(), "equistream.limit.max.groups=32");
    rejected(valid().setMethod("m".repeat(300)).build(), "method has 300 characters");
    rejected(valid().setConversationId("c".repeat(300)).build(), "conversation_id has 300 characters");
    rejected(valid().setGroups(List.of("g".repeat(300))).build(), "a group name is longer");
  }

  @Test
  void theStandInKeepsWhatTheRejectedAnswerNeeds() {
    PromptRequest request = valid().setPrompt("x".repeat(100_000)).setMethod("equitune").setReplyTopic("reply-a")
        .setMaxNewTokens(9).build();
    PromptRequest trimmed = rejected(request, "prompt has 100000 characters").trimmed();
    assertEquals("", trimmed.getPrompt());
    assertTrue(trimmed.getMetadata().isEmpty());
    assertEquals("equitune", trimmed.getMethod());
    assertEquals("reply-a", trimmed.getReplyTopic());
    assertEquals("conv-1", trimmed.getConversationId());
    assertEquals(9, trimmed.getMaxNewTokens());
    assertNull(rejected(valid().setMethod("m".repeat(300)).build(), "method").trimmed().getMethod());
  }

  @Test
  void requestIdsThatCouldForgeLogLinesAreDeadLettered() {
    for (String id : List.of("a\nINFO fake line", "a\rb", "tab\tid", "esc\u001b[31m", "bidi\u202Eevil", "nel\u0085",
        "line\u2028sep", "zero\u200Bwidth", "lone\uD800surrogate")) {
      RequestScreen.Verdict verdict = SCREEN.screen(valid().setRequestId(id).build());
      RequestScreen.Verdict.DeadLetter dead = assertInstanceOf(RequestScreen.Verdict.DeadLetter.class, verdict, id);
      assertTrue(dead.reason().contains("non-printable character U+"), dead.reason());
      assertEquals(-1, PrintableText.firstUnprintable(dead.reason()), "the reason itself is printable");
    }
    RequestScreen.Verdict.DeadLetter longId = assertInstanceOf(RequestScreen.Verdict.DeadLetter.class,
        SCREEN.screen(valid().setRequestId("r".repeat(257)).build()));
    assertTrue(longId.reason().contains("257 characters; equistream.limit.max.request.id.chars=256"));
    assertFalse(longId.reason().contains("rrrr"), "the id is not quoted");
    assertInstanceOf(RequestScreen.Verdict.DeadLetter.class, SCREEN.screen(valid().setRequestId(" ").build()));
    assertInstanceOf(RequestScreen.Verdict.Accept.class, SCREEN.screen(valid().setRequestId("ü-✓ 42").build()),
        "printable Unicode and spaces are fine");
  }

  @Test
  void logLinesAreOneLineAndBounded() {
    assertEquals("a\\nb\\u001B[x", PrintableText.oneLine("a\nb\u001b[x", 100));
    String cut = PrintableText.oneLine("y".repeat(5_000), 1_000);
    assertEquals(1_000, cut.length());
    assertTrue(cut.endsWith("..."));
    assertEquals("exactly", PrintableText.oneLine("exactly", 7));
    assertEquals(4 + 3 + 2 + 1, PrintableText.utf8Length("\uD83D\uDE00€ü!"));
  }
}
