"""The ``zkopt`` command line: thin click commands that parse, call the library and print; one module per group.

``proofs`` (setup, prove, verify, circuits), ``ledger``, ``oracle``,
``wallet``, ``margin``, ``audit``, ``export``, ``chain``, ``demo``, ``ceremony``
(ptau, alias powersoftau, and zkey) and ``circom`` (snarkjs' groth16 and wtns);
``common`` holds what they share (exit codes, one-line errors, progress,
parameter types). Exit codes:
0 success, 1 checked and invalid, 2 unusable input (``common``). Commands
whose output is data take ``--json``. Progress (setup, proving, auditing)
goes to stderr only when stderr is a terminal, so piped output holds results
only. Heavy modules are imported inside the commands so that ``zkopt verify``
starts fast. The work itself is in the library: ``zkopt.wallet``,
``zkopt.keydir``, ``zkopt.demo``, ``zkopt.ledger``, ``zkopt.audit``, ``zkopt.evm``,
``zkopt.ceremony``, ``zkopt.ceremony_keys``.
"""

from __future__ import annotations

import sys

import click

from zkopt.cli import audit, ceremony, chain, circom, demo, export, ledger, margin, oracle, proofs, wallet
from zkopt.cli.common import EXIT_INVALID, EXIT_UNUSABLE, fail


class _Main(click.Group):
    """The root group: click's usage errors also become one line on stderr (exit 2)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            fail(EXIT_UNUSABLE, f"error: {exc.format_message()}{hint}")
        except click.ClickException as exc:
            fail(exc.exit_code, f"error: {exc.format_message()}")
        except click.Abort:
            fail(EXIT_INVALID, "aborted")
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Main)
@click.version_option(package_name="zkopt")
def main():
    """zkopt: confidential settlement of options with Groth16 proofs over BN254."""


for command in (
    proofs.setup,
    proofs.prove,
    proofs.verify,
    proofs.circuits_cmd,
    ledger.ledger,
    oracle.oracle,
    wallet.wallet,
    margin.margin,
    audit.audit_cmd,
    export.export,
    chain.chain,
    demo.demo,
    ceremony.ptau,
    ceremony.zkey,
    circom.groth16,
    circom.wtns,
):
    main.add_command(command)
main.add_command(ceremony.ptau, "powersoftau")


if __name__ == "__main__":
    main()
