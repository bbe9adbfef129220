// Print circomlibjs Poseidon outputs as JSON, for zkopt's known-answer tests.
//
// Usage:
//   node poseidon_vectors.js 1 2            -> "<decimal hash of [1, 2]>"
//   echo '[["1","2"],["3"]]' | node poseidon_vectors.js
//                                           -> ["<hash of [1,2]>", "<hash of [3]>"]
// Inputs are decimal strings of field elements; outputs are decimal strings.
// Many vectors go through stdin in one call because building the wasm
// hasher dominates the run time.
"use strict";

const { buildPoseidon } = require("circomlibjs");

function readStdin() {
    return new Promise((resolve, reject) => {
        const chunks = [];
        process.stdin.on("data", (c) => chunks.push(c));
        process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        process.stdin.on("error", reject);
    });
}

function toBigInts(vector) {
    if (!Array.isArray(vector)) throw new Error("each input must be an array of decimal strings");
    // BigInt() of a string accepts only integer syntax, so a typo fails loudly
    // instead of hashing something else.
    return vector.map((x) => BigInt(String(x)));
}

async function main() {
    const poseidon = await buildPoseidon();
    const hash = (vector) => poseidon.F.toObject(poseidon(toBigInts(vector))).toString(10);
    const args = process.argv.slice(2);
    if (args.length > 0) {
        process.stdout.write(JSON.stringify(hash(args)) + "\n");
        return;
    }
    const batch = JSON.parse(await readStdin());
    if (!Array.isArray(batch)) throw new Error("stdin must hold a JSON array of input arrays");
    process.stdout.write(JSON.stringify(batch.map(hash)) + "\n");
}

// exitCode rather than process.exit(), so a large JSON answer is never cut
// short by exiting before stdout has drained.
main().catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
    process.exitCode = 1;
});
