// Encode a JSON array of strings with GPT-2 BPE (npm gpt-3-encoder) -> JSON array of id arrays.
// usage: node gpt2_encode.js PKG_DIR IN.json OUT.json
const fs = require('fs');
const {encode} = require(process.argv[2]);
const docs = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const out = fs.createWriteStream(process.argv[4]);
out.write('[');
const t0 = Date.now();
docs.forEach((d, i) => {
  out.write((i ? ',' : '') + JSON.stringify(encode(d)));
  if (i % 20000 === 0) console.error(`encoded ${i}/${docs.length} docs, ${((Date.now() - t0) / 1000).toFixed(0)}s`);
});
out.write(']');
out.end();
