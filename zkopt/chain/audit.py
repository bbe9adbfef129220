"""Audit a pool from its events: replay every entry with the ledger's rules, re-verify every proof off chain.

``audit_chain(ledger)`` reads the pool's genesis document (checked against
its ``genesisHash``) and every event from the deployment block, and from them
alone recomputes what the SQLite auditor recomputes from a file: the Merkle
tree and each root (``zkopt.native.merkle``, not the pool's code), the
recent-root window, the nullifier set, the pool balance, every oracle
signature (recovered from the event's attestations), the settlement and
margin rules (the functions of ``zkopt.ledger.rules``, applied with each
block's timestamp), and every Groth16 proof (one batch per kind under the
genesis keys). Then it compares the result with the pool's own state and with
the token: ``balanceOf(pool)`` must equal deposits minus withdrawals.

``events=`` replaces the fetched events (a test tampers one and checks the
finding names it). With ``node_modules`` the auditor also compiles the
verifiers from the genesis keys and checks the code at each verifier address
is exactly that (solc-js, as deployed). Findings name the entry (seq); 0 is
the genesis. The chain's consensus replaces the SQLite file's hash chain.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence

from zkopt.audit.replay import AuditReport, Finding
from zkopt.errors import InvalidProof, LedgerRejected, MalformedProof
from zkopt.groth16 import prepare, verify_batch
from zkopt.ledger import rules, schema
from zkopt.ledger.oracle import Attestation, FinalPrice, Observation
from zkopt.ledger.rules import RuleBroken
from zkopt.ledger.transactions import SPECS
from zkopt.native.merkle import MerkleTree
from zkopt.chain import oracle as chain_oracle
from zkopt.chain.ledger import ChainEvent, ChainLedger

ADDRESS_BOUND = 1 << 160


def event_proof(words: Sequence[int]):
    """The Proof in an event's 8 words (B in EIP-197's order), validated; MalformedProof if it is no proof."""
    a_x, a_y, bx1, bx0, by1, by0, c_x, c_y = (int(w) for w in words)
    data = b"".join(w.to_bytes(32, "big") for w in (a_x, a_y, bx0, bx1, by0, by1, c_x, c_y))
    return schema.proof_from(data)


class _Replay:
    def __init__(self, ledger: ChainLedger, report: AuditReport, rng):
        self.ledger, self.report, self.rng = ledger, report, rng
        genesis = ledger.genesis
        self.genesis = genesis
        self.names = genesis.public_names()
        self.tree = MerkleTree(genesis.tree_depth, history=1)
        self.window = deque([self.tree.root], maxlen=genesis.root_history)
        self.nullifiers: dict[int, int] = {}
        self.created_in: dict[int, int] = {}
        self.pool = 0
        self.prices: dict[tuple[int, int], FinalPrice] = {}
        self.spots: dict[int, list[FinalPrice]] = defaultdict(list)
        self.batches: dict[str, list[tuple[int, list[int], object]]] = defaultdict(list)

    def record(self, seq: int, check: str, message: str) -> None:
        self.report.findings.append(Finding(seq, check, message))

    def holds(self, seq: int, rule, *args) -> bool:
        try:
            rule(*args)
        except RuleBroken as exc:
            self.record(seq, exc.check, exc.finding)
            return False
        return True

    def run(self, events: Sequence[ChainEvent]) -> None:
        expected = 1
        for event in events:
            if event.seq != expected:
                self.record(event.seq, "log", f"entry {event.seq} follows entry {expected - 1}: entries are missing")
            expected = event.seq + 1
            if event.kind == "price":
                self.price(event)
            else:
                self.transaction(event)
        self.report.entries = expected - 1

    def transaction(self, event: ChainEvent) -> None:
        seq, kind = event.seq, event.kind
        self.report.transactions += 1
        names = self.names[kind]
        if not self.holds(seq, rules.public_values, kind, names, event.values):
            return
        v = dict(zip(names, event.values))
        spec = SPECS[kind]
        try:
            self.batches[kind].append((seq, event.values, event_proof(event.args["proof"])))
        except MalformedProof as exc:
            self.record(seq, "proof", f"the event's proof is malformed: {exc}")
        self.holds(seq, rules.u64_inputs, spec, v)
        self.holds(seq, rules.fresh_nullifiers, spec, v, self.nullifiers.get)
        for name in spec.nullifiers:
            self.nullifiers.setdefault(v[name], seq)
        self.holds(seq, rules.recent_root, spec, v, self.window.__contains__, self.genesis.root_history)
        self.holds(seq, rules.settlement_time, spec, v, event.timestamp)
        self.holds(seq, rules.settlement_price, spec, v, lambda a, e: self.prices.get((a, e)))
        if spec.margin_asset:
            earlier = [r for r in self.spots.get(v[spec.margin_asset], ()) if r.expiry <= event.timestamp]
            spot = max(earlier, key=lambda r: r.expiry) if earlier else None
            self.holds(seq, rules.margin_grid, spec, names, v, spot, self.genesis.margin_shocks)
            if "expiry" in v and v["expiry"] <= event.timestamp:
                self.record(seq, "expiry", f"opened at {event.timestamp}, not before its expiry {v['expiry']}")
        if kind == "withdraw" and v["recipient"] >= ADDRESS_BOUND:
            self.record(seq, "pool", "the withdrawal's recipient is not an Ethereum address")
        change = rules.pool_change(spec, v)
        self.holds(seq, rules.pool_after, self.pool, change)
        self.pool += change
        first = len(self.tree)
        for name in spec.outputs:
            cm = v[name]
            if self.holds(seq, rules.new_output, name, cm, self.created_in.get) and self.holds(
                seq, rules.tree_room, len(self.tree), 1, self.tree.capacity
            ):
                self.tree.append(cm)
                self.created_in[cm] = seq
        self.window.append(self.tree.root)
        if int(event.args["firstLeaf"]) != first:
            self.record(seq, "commitment", f"the event's first leaf {event.args['firstLeaf']} is not {first}")
        if int(event.args["root"]) != self.tree.root:
            self.record(seq, "root", "the event's resulting root differs from the recomputed root")

    def price(self, event: ChainEvent) -> None:
        seq, args = event.seq, event.args
        self.report.price_reports += 1
        asset, expiry, price = int(args["asset"]), int(args["expiry"]), int(args["price"])
        attestations = []
        try:
            for item in args["attestations"]:
                observed, v, r, s = (item[k] for k in ("observedAt", "v", "r", "s"))
                raw = bytes(r) + bytes(s) + bytes([int(v)])
                unsigned = Attestation(b"\0" * 20, Observation(asset, expiry, price, int(observed)), raw)
                attestations.append(Attestation(chain_oracle.signer(unsigned), unsigned.observation, raw))
            self.report.signatures_checked += len(attestations)
            final = chain_oracle.check_report(attestations, self.genesis.committee, self.genesis.threshold,
                                              event.timestamp)
            if final.observed_at != int(args["observedAt"]):
                self.record(seq, "oracle", f"the event's observation time is not its signers' earliest, {final.observed_at}")
        except (LedgerRejected, ValueError) as exc:
            self.record(seq, "oracle", getattr(exc, "reason", str(exc)))
            final = FinalPrice(asset, expiry, price, int(args["observedAt"]))
        if self.holds(seq, rules.first_final_price, asset, expiry, seq if (asset, expiry) in self.prices else None):
            self.prices[(asset, expiry)] = final
            self.spots[asset].append(final)

    def proofs(self) -> None:
        for kind, items in self.batches.items():
            self.report.proofs_checked += len(items)
            try:
                verify_batch(prepare(self.genesis.verifying_key(kind)), [(v, p) for _, v, p in items], self.rng)
            except InvalidProof as exc:
                for i in exc.indices:
                    self.record(items[i][0], "proof", f"the proof does not verify under the {kind} key")

    def compare(self) -> None:
        """The replay against the pool's own state and the token's balance of the pool."""
        state = self.ledger.state()
        head = self.report.entries
        if state.entries != head:
            self.record(head, "state", f"the pool counts {state.entries} entries, its events {head}")
        if state.root != self.tree.root or state.leaf_count != len(self.tree):
            self.record(head, "state", "the pool's root or leaf count differs from the replay of its events")
        if state.pool_balance != self.pool:
            self.record(head, "state", f"the pool's balance {state.pool_balance} differs from the recomputed {self.pool}")
        held = self.ledger.token_balance()
        if held != self.pool:
            self.record(head, "token", f"the pool holds {held} token units, but deposits - withdrawals = {self.pool}")
        report = self.report
        report.leaf_count, report.nullifiers, report.pool_balance, report.root = (
            len(self.tree), len(self.nullifiers), self.pool, self.tree.root)


def check_code(ledger: ChainLedger, node_modules) -> list[Finding]:
    """Each verifier address holds exactly the code compiled from the genesis key (solc-js, zkopt's settings)."""
    from zkopt.chain.deploy import compile_market, verifier_name

    compiled = compile_market(ledger.genesis, node_modules)
    found = []
    for kind in ledger.genesis.circuits:  # the pool's own kinds, never more
        address = getattr(ledger.pool.functions, f"{kind}Verifier")().call()
        if bytes(ledger.w3.eth.get_code(address)) != compiled[verifier_name(kind)].runtime:
            found.append(Finding(0, "genesis", f"the {kind} verifier's code is not the verifier of the genesis key"))
    return found


def audit_chain(ledger: ChainLedger, *, events: Sequence[ChainEvent] | None = None, node_modules=None,
                rng=None) -> AuditReport:
    """Replay and re-verify a pool (see the module docstring); never raises for a bad pool."""
    report = AuditReport(path=f"pool {ledger.address}", genesis_hash=ledger.genesis.hash())
    replay = _Replay(ledger, report, rng)
    if bytes(ledger.pool.functions.genesisHash().call()) != ledger.genesis.hash():
        replay.record(0, "genesis", "the genesis document does not match the pool's genesis hash")
    onchain = [bytes.fromhex(m[2:]) for m in ledger.pool.functions.committee().call()]
    if onchain != list(ledger.genesis.committee) or ledger.pool.functions.threshold().call() != ledger.genesis.threshold:
        replay.record(0, "genesis", "the pool's committee or threshold differs from its genesis document")
    if node_modules is not None:
        report.findings += check_code(ledger, node_modules)
    replay.run(ledger.events() if events is None else events)
    replay.proofs()
    replay.compare()
    report.head_hash = bytes(ledger.w3.eth.get_block("latest")["hash"])
    return report
