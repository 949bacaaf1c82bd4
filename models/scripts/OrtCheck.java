// Smoke test of an EquiStream model directory with the real ONNX Runtime Java API (no project code involved).
// usage: java -cp ~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.28.0/onnxruntime-1.28.0.jar \
//             models/scripts/OrtCheck.java MODEL_DIR [NOPAST_MODEL_DIR]
// Runs a left-padded batch with empty past (past length 0), then one decode step with the presents as past,
// and compares against the no-past model (recomputing the whole sequence) when a second directory is given.
// Either graph may have all-position logits [batch, seq, 50257] or last-position logits [batch, 1, 50257]
// (train_tiny_gpt2.py --logits all|last); positions that both graphs output are compared.
import ai.onnxruntime.*;
import java.nio.LongBuffer;
import java.nio.FloatBuffer;
import java.util.*;

public class OrtCheck {
    static final int V = 50257;

    public static void main(String[] a) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession s = env.createSession(a[0] + "/model.onnx", new OrtSession.SessionOptions());
        for (Map.Entry<String, NodeInfo> e : s.getInputInfo().entrySet())
            System.out.println("input  " + e.getKey() + " " + e.getValue().getInfo());
        int nOut = 0;
        for (Map.Entry<String, NodeInfo> e : s.getOutputInfo().entrySet()) {
            if (nOut++ < 3) System.out.println("output " + e.getKey() + " " + e.getValue().getInfo());
        }
        TensorInfo pk = (TensorInfo) s.getInputInfo().get("past_key_values.0.key").getInfo();
        long H = pk.getShape()[1], D = pk.getShape()[3];
        int L = 0;
        while (s.getInputInfo().containsKey("past_key_values." + L + ".key")) L++;
        // batch of 2, left padded: row0 = "The man worked as a" (5), row1 = "The woman worked" (3)
        long[][] rows = {{464, 582, 3111, 355, 257}, {464, 2415, 3111}};
        int T = 5;
        long[] ids = new long[2 * T], am = new long[2 * T], pos = new long[2 * T];
        for (int b = 0; b < 2; b++) {
            int pad = T - rows[b].length;
            for (int t = 0; t < T; t++) {
                ids[b * T + t] = t < pad ? 50256 : rows[b][t - pad];
                am[b * T + t] = t < pad ? 0 : 1;
                pos[b * T + t] = t < pad ? 0 : t - pad;
            }
        }
        Map<String, OnnxTensor> in = new HashMap<>();
        in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[]{2, T}));
        in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(am), new long[]{2, T}));
        in.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(pos), new long[]{2, T}));
        for (int i = 0; i < L; i++)
            for (String kv : new String[]{"key", "value"})
                in.put("past_key_values." + i + "." + kv, OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[]{2, H, 0, D}));
        OrtSession.Result r = s.run(in);
        float[][][] logits = (float[][][]) r.get("logits").get().getValue();
        long[] pshape = ((OnnxTensor) r.get("present.0.key").get()).getInfo().getShape();
        System.out.println("prefill: logits [2," + logits[0].length + "," + logits[0][0].length + "] present.0.key " + Arrays.toString(pshape));
        int n1e4 = 0, nan = 0;
        for (float[][] x : logits) for (float[] y : x) for (float z : y) { if (z == -1e4f) n1e4++; if (!Float.isFinite(z)) nan++; }
        int outPositions = logits[0].length;  // T (all positions) or 1 (last position only)
        System.out.println("logits layout: " + (outPositions == 1 ? "last position" : "all positions"));
        System.out.println("non-finite logits: " + nan + ", logits == -1e4 (per position): " + n1e4 / (2 * outPositions));
        int[] next = {argmax(logits[0][outPositions - 1]), argmax(logits[1][outPositions - 1])};
        System.out.println("greedy next ids: " + Arrays.toString(next));
        // decode step with past
        Map<String, OnnxTensor> in2 = new HashMap<>();
        long[] am2 = new long[2 * (T + 1)];
        for (int b = 0; b < 2; b++) { for (int t = 0; t < T; t++) am2[b * (T + 1) + t] = am[b * T + t]; am2[b * (T + 1) + T] = 1; }
        in2.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[]{next[0], next[1]}), new long[]{2, 1}));
        in2.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(am2), new long[]{2, T + 1}));
        in2.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[]{5, 3}), new long[]{2, 1}));
        for (int i = 0; i < L; i++)
            for (String kv : new String[]{"key", "value"})
                in2.put("past_key_values." + i + "." + kv, (OnnxTensor) r.get("present." + i + "." + kv).get());
        OrtSession.Result r2 = s.run(in2);
        float[][][] step = (float[][][]) r2.get("logits").get().getValue();
        System.out.println("decode step: present.0.key " + Arrays.toString(((OnnxTensor) r2.get("present.0.key").get()).getInfo().getShape()));
        if (a.length > 1) {
            OrtSession np = env.createSession(a[1] + "/model.onnx", new OrtSession.SessionOptions());
            // no-past recompute of row 0 (unpadded, 6 tokens) and row 1 (unpadded, 4 tokens)
            double worst = 0;
            for (int b = 0; b < 2; b++) {
                int n = rows[b].length + 1;
                long[] x = Arrays.copyOf(rows[b], n);
                x[n - 1] = next[b];
                long[] p = new long[n], m = new long[n];
                for (int t = 0; t < n; t++) { p[t] = t; m[t] = 1; }
                Map<String, OnnxTensor> in3 = new HashMap<>();
                in3.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(x), new long[]{1, n}));
                in3.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(m), new long[]{1, n}));
                in3.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(p), new long[]{1, n}));
                float[][][] full = (float[][][]) np.run(in3).get("logits").get().getValue();
                int fullLast = full[0].length - 1;  // the no-past graph's own layout
                for (int v = 0; v < V; v++) worst = Math.max(worst, Math.abs(full[0][fullLast][v] - step[b][0][v]));
                // prefill positions: both graphs output position t of the prompt (all layouts: every t;
                // the last-position past graph: only the prompt's last token, the no-past graph: only the step's)
                for (int t = 0; t < n - 1; t++) {
                    int inPrefill = T - (n - 1) + t - (T - outPositions);
                    int inFull = t - (n - full[0].length);
                    if (inPrefill < 0 || inFull < 0) continue;
                    for (int v = 0; v < V; v++)
                        worst = Math.max(worst, Math.abs(full[0][inFull][v] - logits[b][inPrefill][v]));
                }
            }
            System.out.println("max |past+padding - no-past unpadded| = " + worst);
        }
        System.out.println("OK");
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
