"""circom's binary files: constraint systems (.r1cs, version 1) and witnesses (.wtns, version 2), read and written.

.r1cs sections (iden3 container, see ``zkopt.binfile``):

1. header: u32 n8 = 32, the prime r (32 bytes LE), u32 nWires, u32 nOutputs,
   u32 nPubInputs, u32 nPrvInputs, u64 nLabels, u32 nConstraints;
2. constraints: per constraint three linear combinations A, B, C, each
   ``u32 nTerms`` then ``(u32 wire, 32-byte LE coefficient)`` per term;
3. wire-to-label map: nWires x u64 (the label ids of circom's .sym file).

Sections 4 and 5 (PLONK custom gates) are refused. Wire order is circom's
and zkopt's: ``[1, outputs, public inputs, private inputs, internal wires]``.

.wtns: section 1 ``u32 n8, prime r, u32 nWitness``; section 2 the values,
32-byte LE each. ``calculate_witness`` runs a circuit's compiled witness
calculator (circom's ``<circuit>_js`` directory) with node.

Readers are strict: the prime must be BN254's r, every coefficient and value
< r, every wire index < nWires, no wire twice in one linear combination, the
header counts consistent, sections exactly as long as their contents.
Failures raise ``MalformedInput`` with one line. A read .r1cs becomes a
``zkopt.r1cs.R1CS`` with generic names (``public[i]``, ``wire[i]``), keeping
each linear combination's term order, since snarkjs' ``zkey new`` copies it.

Writing a zkopt circuit: zkopt does not tell private inputs from internal
wires, so every private wire is written as internal (nPrvInputs = 0); the
label map is the identity and ``sym_text`` gives the matching .sym file
(``label,wire,component,name``) with the circuit's variable names.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zkopt import binfile, field
from zkopt.errors import MalformedInput
from zkopt.files import read_json
from zkopt.r1cs import R1CS

R = field.R

R1CS_SECTIONS = {"header": 1, "constraints": 2, "map": 3}
_CUSTOM_GATES = (4, 5)
_HEADER = struct.Struct("<IIIIQI")


def _parse_lc(reader: binfile.SectionReader, n_wires: int, where: str) -> list[tuple[int, int]]:
    count = reader.u32(f"{where} term count")
    raw = bytes(reader.take(count * 36, f"{where} terms"))
    terms = []
    seen = set()
    for t in range(count):
        base = t * 36
        wire = int.from_bytes(raw[base : base + 4], "little")
        coeff = int.from_bytes(raw[base + 4 : base + 36], "little")
        if wire >= n_wires:
            raise MalformedInput(f"r1cs {where}: wire {wire} is out of range (the circuit has {n_wires} wires)")
        if coeff >= R:
            raise MalformedInput(f"r1cs {where}: coefficient of wire {wire} is not canonical (>= r)")
        if wire in seen:
            raise MalformedInput(f"r1cs {where}: wire {wire} appears twice in one linear combination")
        seen.add(wire)
        terms.append((wire, coeff))
    return terms


@dataclass
class CircomR1CS:
    """A .r1cs file: the constraint system plus the header fields zkopt's R1CS does not model.

    Kept so that a file read and written again is the same bytes (circom
    writes the constraints section first).
    """

    shape: R1CS
    n_private_inputs: int = 0
    n_labels: int | None = None
    wire_labels: list[int] | None = None
    section_order: tuple[int, ...] = (1, 2, 3)


def loads_r1cs(data: bytes, name: str = "circom") -> CircomR1CS:
    """Parse a .r1cs file; its constraint system is named ``name``."""
    parsed = binfile.parse(data, "r1cs", (1,), (1, 2, 3, 4, 5))
    for gate in _CUSTOM_GATES:
        if gate in parsed.sections:
            raise MalformedInput("r1cs file uses custom gates (PLONK), which Groth16 cannot prove")
    header = parsed.reader(1, "header")
    binfile.read_prime(header, R, "r")
    n_wires, n_outputs, n_pub, n_prv, n_labels, n_constraints = _HEADER.unpack(bytes(header.take(_HEADER.size, "counts")))
    header.done()
    if n_wires < 1 or 1 + n_outputs + n_pub + n_prv > n_wires:
        raise MalformedInput(
            f"r1cs header is inconsistent: {n_wires} wires cannot hold 1 + {n_outputs} outputs + {n_pub} public "
            f"+ {n_prv} private inputs"
        )
    body = parsed.reader(2, "constraints")
    a, b, c = [], [], []
    for j in range(n_constraints):
        where = f"constraint {j}"
        a.append(_parse_lc(body, n_wires, f"{where} A"))
        b.append(_parse_lc(body, n_wires, f"{where} B"))
        c.append(_parse_lc(body, n_wires, f"{where} C"))
    body.done()
    wire_labels = None
    if 3 in parsed.sections:
        labels = parsed.reader(3, "wire map")
        raw = bytes(labels.take(8 * n_wires, "labels"))
        labels.done()
        wire_labels = [int.from_bytes(raw[8 * i : 8 * i + 8], "little") for i in range(n_wires)]
        for i, label in enumerate(wire_labels):
            if label >= n_labels:
                raise MalformedInput(f"r1cs wire map: wire {i} has label id {label}, not below nLabels = {n_labels}")
    n_public = n_outputs + n_pub
    shape = R1CS(
        name=name,
        params={},
        n_variables=n_wires,
        n_outputs=n_outputs,
        n_public=n_public,
        public_names=[f"public[{i}]" for i in range(n_public)],
        variable_names=["one"] + [f"wire[{i}]" for i in range(1, n_wires)],
        labels=[f"{name}/constraint[{j}]" for j in range(n_constraints)],
        a=a,
        b=b,
        c=c,
    )
    return CircomR1CS(shape, n_prv, n_labels, wire_labels, tuple(parsed.order))


def read_r1cs(path: str | Path) -> CircomR1CS:
    """Read a .r1cs file; the circuit is named after the file (``circom:<stem>``)."""
    return loads_r1cs(binfile.read(path, "r1cs"), f"circom:{Path(path).stem}")


def _lc_bytes(row: list[tuple[int, int]]) -> bytes:
    return struct.pack("<I", len(row)) + b"".join(struct.pack("<I", w) + c.to_bytes(32, "little") for w, c in row)


def dumps_r1cs(circuit: R1CS | CircomR1CS) -> bytes:
    """Serialise as circom does; a zkopt R1CS gets nPrvInputs = 0 and the identity label map."""
    file = circuit if isinstance(circuit, CircomR1CS) else CircomR1CS(circuit)
    shape = file.shape
    labels = file.wire_labels if file.wire_labels is not None else list(range(shape.n_variables))
    n_labels = file.n_labels if file.n_labels is not None else shape.n_variables
    header = binfile.prime_bytes(R) + _HEADER.pack(
        shape.n_variables, shape.n_outputs, shape.n_public - shape.n_outputs, file.n_private_inputs, n_labels,
        shape.n_constraints,
    )
    bodies = {
        1: header,
        2: b"".join(_lc_bytes(a) + _lc_bytes(b) + _lc_bytes(c) for a, b, c in zip(shape.a, shape.b, shape.c)),
        3: b"".join(struct.pack("<Q", i) for i in labels),
    }
    return binfile.dumps("r1cs", 1, [(k, bodies[k]) for k in file.section_order])


def sym_text(shape: R1CS) -> str:
    """The .sym file matching ``dumps_r1cs``: one ``label,wire,component,main.name`` line per wire but the constant."""
    lines = [f"{i},{i},0,main.{name}" for i, name in enumerate(shape.variable_names) if i > 0]
    return "".join(line + "\n" for line in lines)


# --- witnesses --------------------------------------------------------------------------------


def loads_wtns(data: bytes) -> list[int]:
    """Parse a .wtns file into its values (canonical, < r)."""
    parsed = binfile.parse(data, "wtns", (1, 2), (1, 2))
    header = parsed.reader(1, "header")
    binfile.read_prime(header, R, "r")
    count = header.u32("witness count")
    header.done()
    values = parsed.section(2, "values")
    if len(values) != 32 * count:
        raise MalformedInput(f"wtns values section holds {len(values)} bytes, the header announces {count} values")
    return binfile.elements_from_bytes(values, R, "wtns value", MalformedInput)


def read_wtns(path: str | Path) -> list[int]:
    return loads_wtns(binfile.read(path, "wtns"))


def dumps_wtns(values: list[int]) -> bytes:
    for i, v in enumerate(values):
        if not 0 <= v < R:
            raise ValueError(f"witness value {i} is not a canonical field element")
    header = binfile.prime_bytes(R) + struct.pack("<I", len(values))
    return binfile.dumps("wtns", 2, [(1, header), (2, binfile.elements_to_bytes(values))])


def calculate_witness(wasm: str | Path, input_path: str | Path) -> list[int]:
    """Run circom's witness calculator (``generate_witness.js`` next to the .wasm) with node; the values."""
    wasm = Path(wasm)
    script = wasm.resolve().parent / "generate_witness.js"
    if not wasm.is_file():
        raise MalformedInput(f"no witness calculator at {wasm}")
    if not script.is_file():
        raise MalformedInput(f"{script} is missing: give the .wasm inside circom's <circuit>_js directory")
    read_json(input_path, "input")  # node's JSON is lenient (floats, any file): zkopt's reader checks it first
    node = shutil.which("node")
    if node is None:
        raise MalformedInput("node is needed to run a circom witness calculator (.wasm)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "witness.wtns"
        done = subprocess.run([node, str(script), str(wasm), str(input_path), str(out)],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not out.is_file():
            last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            raise MalformedInput(f"the witness calculator failed: {last[:200]}")
        return read_wtns(out)
