package io.equistream.audit.report;

import io.equistream.schemas.AuditStep;
import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import io.equistream.schemas.OrbitWordMass;
import io.equistream.schemas.serde.AvroJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/** Realistic FairnessAudit records and the files the report command reads. */
final class AuditFixtures {
  static final Instant START = Instant.parse("2025-03-14T12:00:00Z");
  static final String SCRIPT_WORD = " <script>alert('x')</script>&\"";
  private static final String[][] GENDER_WORDS = {{" he", "339"}, {" she", "673"}, {" him", "683"}, {" her", "607"}};
  private static final String[][] RACE_WORDS = {{" Black", "2619"}, {" White", "2635"}, {" Asian", "7740"}};

  private AuditFixtures() {}

  /** A small dataset whose means are computed by hand in the tests (see ReportCommandTest). */
  static List<FairnessAudit> handComputed() {
    return List.of(
        audit("r1", "equitune", 0, 10, 2, 100, 10, 40, 60,
            List.of(disparity("gender", 0.2, 0.0), disparity("race", 0.1, 0.0)),
            List.of(word("gender", " he", 339, 0.3, 0.25), word("gender", " she", 673, 0.2, 0.25))),
        audit("r2", "multi", 90, 10, 4, 200, 12, 30, 60,
            List.of(disparity("gender", 0.4, 0.002), disparity("race", 0.3, 0.004)),
            List.of(word("gender", " he", 339, 0.5, 0.35), word("gender", " she", 673, 0.1, 0.35))),
        audit("r3", "none", 180, 8, 0, 300, 8, 8, 8,
            List.of(disparity("gender", 0.6, Double.NaN), disparity("race", Double.NaN, Double.NaN)), List.of()),
        audit("r4", "none", 200, 5, 0, 400, 5, 5, 5, List.of(), List.of()));
  }

  /** Many audits over 20 minutes: three methods, groups gender and race, some unmeasured values. */
  static List<FairnessAudit> realistic(int count, long seed) {
    Random random = new Random(seed);
    String[] methods = {"none", "equitune", "multi"};
    List<FairnessAudit> audits = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String method = methods[i % 3];
      boolean fair = !method.equals("none");
      int steps = 8 + random.nextInt(25);
      int interventions = fair ? random.nextInt(steps / 2 + 1) : 0;
      double gBase = 0.02 + random.nextDouble() * 0.2;
      double rBase = 0.01 + random.nextDouble() * 0.1;
      List<GroupDisparity> disparities = List.of(
          disparity("gender", gBase, fair ? random.nextDouble() * 1e-6 : Double.NaN),
          disparity("race", i % 7 == 0 ? Double.NaN : rBase, fair ? random.nextDouble() * 1e-6 : Double.NaN));
      List<OrbitWordMass> words = new ArrayList<>();
      addWords(words, "gender", GENDER_WORDS, random, fair);
      addWords(words, "race", RACE_WORDS, random, fair);
      if (i % 10 == 0) {
        words.add(word("gender", SCRIPT_WORD, 50256, 0.001, fair ? 0.001 : Double.NaN));
      }
      int groups = method.equals("multi") ? 2 : 1;
      long naive = (long) steps * (groups == 2 ? 8 : 4);
      long forward = fair ? naive - random.nextInt((int) naive / 2) : steps;
      long totalMs = 120 + (long) (random.nextGaussian() * 25 + steps * 18) + (i % 29 == 0 ? 900 : 0);
      long offsetSeconds = (long) i * 1200 / count + random.nextInt(5);
      FairnessAudit audit = audit("req-" + i + (i == 5 ? "<b>bold</b>" : ""), method, offsetSeconds, steps,
          interventions, Math.max(20, totalMs), steps, forward, naive, disparities, words);
      if (i % 5 != 0) { // schema v2 fields on most audits; every fifth looks like a v1 record
        with(with(audit, "sampled", i % 2 == 0), "prompt_groups", i % 3 == 0 ? List.of("gender") : List.of());
      }
      audits.add(audit);
    }
    return audits;
  }

  private static void addWords(List<OrbitWordMass> out, String group, String[][] words, Random random, boolean fair) {
    double[] base = new double[words.length];
    double sum = 0;
    for (int w = 0; w < words.length; w++) {
      base[w] = 0.001 + random.nextDouble() * 0.05 * (w == 0 ? 2 : 1);
      sum += base[w];
    }
    for (int w = 0; w < words.length; w++) {
      double fairMass = fair ? sum / words.length : base[w];
      // gender: orbits {he, she} and {him, her}; race: one orbit of three
      int orbit = group.equals("gender") ? w / 2 : 0;
      out.add(with(word(group, words[w][0], Integer.parseInt(words[w][1]), base[w], fairMass, base[w], fairMass),
          "orbit", orbit));
    }
  }

  static FairnessAudit audit(String id, String method, long offsetSeconds, int steps, int interventions,
      long totalMs, int completionTokens, long forward, long naive, List<GroupDisparity> disparities,
      List<OrbitWordMass> words) {
    List<AuditStep> perStep = new ArrayList<>();
    for (int s = 0; s < Math.min(steps, 3); s++) {
      boolean intervened = s < interventions;
      perStep.add(AuditStep.newBuilder().setStep(s).setBaseToken(100 + s).setFairToken(intervened ? 200 + s : 100 + s)
          .setIntervened(intervened).setDisparities(disparities).setFairEquivarianceError(1e-7)
          .setCheckedElement("gender:swap").build());
    }
    return FairnessAudit.newBuilder()
        .setRequestId(id).setConversationId("conv-" + id).setStatus(CompletionStatus.OK).setMethod(method)
        .setGroups(disparities.isEmpty() ? List.of() : List.of("gender", "race")).setAggregate("probs")
        .setModelId("gpt2").setSteps(steps).setInterventionCount(interventions)
        .setInterventionRate(steps == 0 ? 0 : (double) interventions / steps).setDisparities(disparities)
        .setFairEquivarianceErrorMax(1e-7).setOrbitWordMass(words).setPerStep(perStep).setForwardSequences(forward)
        .setEquituneSequencesWithoutDedup(naive).setCompletionTokens(completionTokens).setTotalMs(totalMs)
        .setInferenceMs(totalMs - 5).setCreatedAt(START.plusSeconds(offsetSeconds)).build();
  }

  /**
   * Sets a field by name when the record's schema has it (fields added in schema v2: sampled,
   * prompt_groups, the first-step orbit masses). Tolerant on purpose, so the tests over these records
   * compile and run against v1 code too and fail there on the numbers, not on a missing setter.
   */
  static <T extends SpecificRecordBase> T with(T record, String field, Object value) {
    if (record.getSchema().getField(field) != null) {
      record.put(field, value);
    }
    return record;
  }

  /** An orbit word's mass: mean over steps and at the first step (schema v2 fields). */
  static OrbitWordMass word(String group, String word, int tokenId, double base, double fair, double baseFirst,
      double fairFirst) {
    return with(with(word(group, word, tokenId, base, fair), "base_first_step", baseFirst), "fair_first_step",
        fairFirst);
  }

  static GroupDisparity disparity(String group, double base, double fair) {
    return GroupDisparity.newBuilder().setGroup(group).setBaseMean(base).setBaseMax(base).setFairMean(fair)
        .setFairMax(fair).build();
  }

  static OrbitWordMass word(String group, String word, int tokenId, double base, double fair) {
    return OrbitWordMass.newBuilder().setGroup(group).setWord(word).setTokenId(tokenId).setBase(base).setFair(fair)
        .build();
  }

  static AuditSummary summary(String method, long windowOffsetSeconds, long count, double base, double fair) {
    return AuditSummary.newBuilder().setMethod(method).setGroups("gender,race")
        .setWindowStart(START.plusSeconds(windowOffsetSeconds)).setWindowEnd(START.plusSeconds(windowOffsetSeconds + 60))
        .setCount(count).setMeanBaseDisparity(base).setMaxBaseDisparity(base * 2).setMeanFairDisparity(fair)
        .setInterventionRate(0.2).setTokens(count * 12).setTokensPerSecond(count * 12 / 60.0).setLatencyP50Ms(300)
        .setLatencyP99Ms(900).build();
  }

  static FairCompletion completion(String id) {
    return FairCompletion.newBuilder().setRequestId(id).setStatus(CompletionStatus.OK).setCompletion(" a <script>")
        .setCreatedAt(START).setCompletedAt(START).build();
  }

  /** Writes records as AvroJson lines. */
  static Path writeJsonLines(Path file, List<? extends org.apache.avro.specific.SpecificRecord> records)
      throws IOException {
    List<String> lines = new ArrayList<>();
    records.forEach(r -> lines.add(AvroJson.toJson(r)));
    return Files.write(file, lines, StandardCharsets.UTF_8);
  }

  /** Writes audits as an Avro object container file. */
  static Path writeContainer(Path file, List<FairnessAudit> audits) throws IOException {
    try (DataFileWriter<FairnessAudit> writer = new DataFileWriter<>(new SpecificDatumWriter<>(FairnessAudit.class))) {
      writer.create(FairnessAudit.getClassSchema(), file.toFile());
      for (FairnessAudit a : audits) {
        writer.append(a);
      }
    }
    return file;
  }

  /** A replay diff with one changed request whose completions need escaping. */
  static Path writeDiff(Path file) throws IOException {
    String json = """
        {"totals":{"requests":3,"unchanged":2,"changed":1,"mean_base_disparity_before":0.12,
          "mean_base_disparity_after":0.11,"mean_fair_disparity_before":0.000002,"mean_fair_disparity_after":0.000001},
         "requests":[
          {"request_id":"req-1","status":"unchanged","original_completion":" same","replay_completion":" same",
           "base_disparity_before":0.1,"base_disparity_after":0.1,"fair_disparity_before":0.0,"fair_disparity_after":0.0},
          {"request_id":"req-2","status":"changed","original_completion":" he said <script>alert(1)</script> & left",
           "replay_completion":" they said \\"hi\\" \u00e9\u4e2d\ud83d\ude00","base_disparity_before":0.2,
           "base_disparity_after":0.18,"fair_disparity_before":0.000004,"fair_disparity_after":null},
          {"request_id":"req-3","status":"unchanged","original_completion":"","replay_completion":"",
           "base_disparity_before":0.06,"base_disparity_after":0.05,"fair_disparity_before":0.0,"fair_disparity_after":0.0}
         ]}
        """;
    return Files.writeString(file, json, StandardCharsets.UTF_8);
  }
}
