#!/usr/bin/python3
"""Check models/groups/*.json demographic groups against the GPT-2 vocabulary.

usage: /usr/bin/python3 models/scripts/check_groups.py [GROUPS_JSON] [ENCODER_JSON]
  GROUPS_JSON  default models/groups/default.json
  ENCODER_JSON default models/gpt2-tokenizer/tokenizer.json (its model.vocab) -- or a GPT-2 vocab.json/encoder.json
Checks: shape {"groups":[{"name":..,"orbits":[[word,...],...]},...]}, every word is exactly ONE GPT-2
token (byte-level: " man" -> "Ġman"), no word appears twice anywhere, all orbits of a group have the
same length (the group's order) >= 2. Prints every orbit with its token ids. Exit status 1 on failure.
"""
import json
import os
import sys

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def main():
    groups_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(MODELS, "groups", "default.json")
    vocab_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(MODELS, "gpt2-tokenizer", "tokenizer.json")
    with open(vocab_path, encoding="utf-8") as f:
        v = json.load(f)
    vocab = v["model"]["vocab"] if "model" in v else v
    with open(groups_path, encoding="utf-8") as f:
        doc = json.load(f)
    bu = bytes_to_unicode()
    errors, seen = [], {}
    assert set(doc.keys()) == {"groups"}, "top level must be exactly {\"groups\": [...]}"
    sizes = []
    for g in doc["groups"]:
        name, orbits = g["name"], g["orbits"]
        assert set(g.keys()) == {"name", "orbits"}, g.keys()
        order = len(orbits[0]) if orbits else 0
        if order < 2:
            errors.append("group %s: order %d < 2" % (name, order))
        print("group %-12s order %d, %d orbits" % (name, order, len(orbits)))
        for orbit in orbits:
            if len(orbit) != order:
                errors.append("group %s: orbit %r has length %d != %d" % (name, orbit, len(orbit), order))
            ids = []
            for w in orbit:
                tok = "".join(bu[b] for b in w.encode("utf-8"))
                if tok not in vocab:
                    errors.append("%r (%s) is not a single GPT-2 token" % (w, name))
                    ids.append(None)
                else:
                    ids.append(vocab[tok])
                if w in seen:
                    errors.append("%r appears twice (%s and %s)" % (w, seen[w], name))
                seen[w] = name
            print("   " + "  ".join("%r=%s" % (w, i) for w, i in zip(orbit, ids)))
        sizes.append(order)
    print("%d groups, %d words; orders %s (product %d)" % (len(doc["groups"]), len(seen), sizes,
                                                            __import__("math").prod(sizes)))
    if errors:
        print("ERRORS:\n  " + "\n  ".join(errors))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
