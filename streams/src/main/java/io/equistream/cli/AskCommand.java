package io.equistream.cli;

import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroJson;
import io.equistream.client.ChatbotClient;
import io.equistream.stream.ServiceConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Request/reply from the command line, through {@link ChatbotClient}. */
@Command(name = "ask", mixinStandardHelpOptions = true, description = "Send one prompt and print its fair completion.")
final class AskCommand implements Callable<Integer> {
  @Mixin
  ServiceOptions options;

  @Option(names = "--prompt", required = true)
  String prompt;

  @Option(names = "--method", description = "none, equitune, multi or symsample (default: the service's).")
  String method;

  @Option(names = "--groups", split = ",")
  List<String> groups = List.of();

  @Option(names = "--max-new-tokens")
  Integer maxNewTokens;

  @Option(names = "--reply-topic", description = "A private, existing reply topic (default: read the completions topic).")
  String replyTopic;

  @Option(names = "--timeout-ms", defaultValue = "60000")
  long timeoutMs;

  @Option(names = "--json", description = "Print the whole FairCompletion as JSON.")
  boolean json;

  @Option(names = "--stream", description = "Print the answer as it is written (FairCompletionChunk records).")
  boolean stream;

  @Override
  public Integer call() throws Exception {
    ServiceConfig config = options.load();
    try (ChatbotClient client = client(config)) {
      PromptRequest request = PromptRequest.newBuilder()
          .setRequestId(UUID.randomUUID().toString())
          .setConversationId("")
          .setPrompt(prompt)
          .setMethod(method)
          .setGroups(groups)
          .setMaxNewTokens(maxNewTokens)
          .setCreatedAt(Instant.now())
          .build();
      FairCompletion completion;
      if (stream && !json) {
        System.out.print(prompt);
        System.out.flush();
        completion = client.askStreaming(request, chunk -> {
          System.out.print(chunk.getText());
          System.out.flush();
        }, Duration.ofMillis(timeoutMs)).get();
        System.out.println(completion.getStatus() == CompletionStatus.OK ? ""
            : System.lineSeparator() + completion.getStatus() + ": " + completion.getReason());
      } else if (stream) {
        completion = client.askStreaming(request, chunk -> System.out.println(AvroJson.toJson(chunk)),
            Duration.ofMillis(timeoutMs)).get();
        System.out.println(AvroJson.toJson(completion));
      } else {
        completion = client.ask(request, Duration.ofMillis(timeoutMs)).get();
      }
      if (stream) {
        return completion.getStatus() == CompletionStatus.OK ? 0 : 3;
      }
      if (json) {
        System.out.println(AvroJson.toJson(completion));
      } else if (completion.getStatus() == CompletionStatus.OK) {
        System.out.println(prompt + completion.getCompletion());
      } else {
        System.out.println(completion.getStatus() + ": " + completion.getReason());
      }
      return completion.getStatus() == CompletionStatus.OK ? 0 : 3;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("no answer: " + e.getCause(), e.getCause());
    }
  }

  private ChatbotClient client(ServiceConfig config) {
    if (replyTopic != null) {
      return new ChatbotClient(config.clientProperties(), config.topics().prompts(), replyTopic, true);
    }
    return stream
        ? ChatbotClient.onServiceTopics(config.clientProperties(), config.topics().prompts(),
            config.topics().completions(), config.topics().chunks())
        : new ChatbotClient(config.clientProperties(), config.topics().prompts(), config.topics().completions(), false);
  }
}
