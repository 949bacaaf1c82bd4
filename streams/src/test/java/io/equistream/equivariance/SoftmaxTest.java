package io.equistream.equivariance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftmaxTest {
  @Test
  void polynomialExpIsWithinThreeTenthsOfAMillionthOfMathExp() {
    Random random = new Random(3);
    double worst = 0;
    for (int i = 0; i < 200_000; i++) {
      float x = (float) (-87 * random.nextDouble());
      double expected = Math.exp(x);
      worst = Math.max(worst, Math.abs(Softmax.exp(x) - expected) / expected);
    }
    assertTrue(worst < 3e-7, "relative error " + worst);
    assertEquals(1.0f, Softmax.exp(0f));
    assertEquals(0.0f, Softmax.exp(-1e4f));
    assertEquals(0.0f, Softmax.exp(-88f));
  }

  @Test
  void softmaxMatchesTheDefinition() {
    float[] logits = {2f, -1f, 0.5f, -10000f, 3f};
    float[] probs = Softmax.of(logits);
    double z = 0;
    for (float logit : logits) {
      z += Math.exp(logit);
    }
    for (int i = 0; i < logits.length; i++) {
      assertEquals(Math.exp(logits[i]) / z, probs[i], 1e-6);
    }
    assertEquals(0.0f, probs[3]);
  }
}
