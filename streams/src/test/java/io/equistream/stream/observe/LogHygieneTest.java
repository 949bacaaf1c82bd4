package io.equistream.stream.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.answer.ReplyRouting;
import io.equistream.TestAssets;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.EngineDriving;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import io.equistream.answer.ServiceIdentity;
import io.equistream.stream.ServiceListener;
import io.equistream.stream.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/**
 * Logging hygiene, checked on the real log output (slf4j-simple writes to System.err, which is
 * captured): prompt text never appears in the service's logs, the problem logs name the request id
 * instead, and the configuration is only logged through its redacted view.
 */
class LogHygieneTest {
  private static final String PROMPT = "Quokkas juggle obsidian teacups on Tuesdays";
  private static final String CONTROL_PROMPT = "Marmalade zeppelin\u0007 secret";

  /** Runs {@code body} with System.err captured; returns what was written. */
  private static <T> String captureStderr(Callable<T> body) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      body.call();
    } finally {
      System.err.flush();
      System.setErr(original);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    original.print(text); // keep it in the test report
    return text;
  }

  private static ServiceConfig config(Map<String, String> extra) throws Exception {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("application.id", "log-hygiene");
    settings.put("bootstrap.servers", "localhost:1");
    settings.put("state.dir", Files.createTempDirectory("log-hygiene").toString());
    settings.put("equistream.model.dir", TestAssets.TINY_MODEL.toString());
    settings.put("equistream.default.max.new.tokens", "3");
    settings.putAll(extra);
    return ServiceConfig.load(null, settings);
  }

  private static PromptRequest request(String id, String prompt, String replyTopic) {
    return PromptRequest.newBuilder().setRequestId(id).setConversationId("conv-" + id).setPrompt(prompt)
        .setReplyTopic(replyTopic).setCreatedAt(Instant.now()).build();
  }

  /** Pipes the requests through the real topology (real model on the real engine) and waits for the answers. */
  private static List<FairCompletion> process(ServiceConfig config, ServiceMetrics metrics, int answered,
      PromptRequest... requests) throws Exception {
    List<FairCompletion> answers = new ArrayList<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(FairStreamsService.topology(config,
        TestAssets.tinyEngine(), new ServiceIdentity("tiny", "fp"), topic -> ReplyRouting.Existence.MISSING, metrics), config.kafkaProperties())) {
      Topics topics = config.topics();
      TestInputTopic<String, PromptRequest> prompts = driver.createInputTopic(topics.prompts(), new StringSerializer(),
          AvroSerde.of(PromptRequest.class).serializer());
      TestOutputTopic<String, FairCompletion> completions = driver.createOutputTopic(topics.completions(),
          new StringDeserializer(), AvroSerde.of(FairCompletion.class).deserializer());
      for (PromptRequest request : requests) {
        prompts.pipeInput(request.getConversationId(), request);
      }
      EngineDriving.awaitRecords(driver, completions, answered);
      answers.addAll(completions.readValuesToList());
    }
    return answers;
  }

  @Test
  void promptTextIsNeverLogged() throws Exception {
    List<FairCompletion> answers = new ArrayList<>();
    try (ServiceMetrics metrics = new ServiceMetrics()) {
      String log = captureStderr(() -> {
        // OK answer, and a reply topic that does not exist (a WARN naming the request).
        answers.addAll(process(config(Map.of()), metrics, 2, request("hygiene-ok", PROMPT, "reply-missing"),
            request("hygiene-rejected", CONTROL_PROMPT, null),
            // no request id: dead-lettered with a WARN
            PromptRequest.newBuilder(request("x", PROMPT + " again", null)).setRequestId("").build()));
        // Answers over the output limit fail loudly (an ERROR naming the request).
        answers.addAll(process(config(Map.of("equistream.limit.max.output.bytes", "400")), metrics, 1,
            request("hygiene-too-large", PROMPT, null)));
        return null;
      });
      // A REJECTED answer leaves at once, an OK one when the engine is done.
      assertEquals(List.of(CompletionStatus.REJECTED, CompletionStatus.OK, CompletionStatus.FAILED),
          answers.stream().map(FairCompletion::getStatus).toList());
      assertTrue(log.contains("hygiene-ok") && log.contains("reply_topic_missing"), log);
      assertTrue(log.contains("hygiene-too-large") && log.contains("answer too large"), log);
      assertTrue(log.contains("dead-lettering a record"), log);
      for (String fragment : List.of(PROMPT, "Quokkas", "obsidian teacups", "Marmalade", "zeppelin")) {
        assertFalse(log.contains(fragment), "prompt text in the log: " + fragment + "\n" + log);
      }
      // The metrics listener saw the answers without needing any text.
      assertTrue(new PrometheusText(metrics.scrape()).sum("equistream_requests_total") >= 3);
    }
  }

  @Test
  void secretsAreLoggedOnlyAsRedacted() throws Exception {
    Map<String, String> secure = new LinkedHashMap<>(SecurityPassThroughTest.secureSettings());
    // SASL without TLS, so the clients can be built without key stores; the TLS passwords stay in the file.
    secure.put("security.protocol", "SASL_PLAINTEXT");
    secure.remove("sasl.login.callback.handler.credentials");
    secure.remove("sasl.oauthbearer.client.credentials.client.secret");
    secure.put("bootstrap.servers", "localhost:1");
    ServiceConfig config = config(secure);
    String log = captureStderr(() -> {
      try (FairStreamsService service = new FairStreamsService(config, ServiceListener.NONE)) {
        return service.identity();
      }
    });
    assertTrue(log.contains("EquiStream service: model"), log);
    assertTrue(log.contains("sasl.jaas.config=[redacted]"), log);
    assertTrue(log.contains("ssl.key.password=[redacted]") && log.contains("ssl.keystore.password=[redacted]")
        && log.contains("ssl.truststore.password=[redacted]"), log);
    assertTrue(log.contains("security.protocol=SASL_PLAINTEXT"), "non-secret keys stay readable: " + log);
    for (String secret : SecurityPassThroughTest.SECRET_VALUES) {
      assertFalse(log.contains(secret), "secret in the log: " + secret + "\n" + log);
    }
    assertFalse(log.contains("PlainLoginModule required"), log);
  }
}
