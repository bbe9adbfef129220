pragma circom 2.0.0;

// zkopt's interop fixture: an output and two public inputs, to pin the order of public signals
// (outputs first, then public inputs in declaration order). Same statement as tests' TwoPublic.
template TwoPublic() {
    signal input a;
    signal input b;
    signal input x;
    signal output out;
    signal ab;
    signal xx;
    ab <== a * b;
    xx <== x * x;
    out <== ab + xx;
}

component main {public [a, b]} = TwoPublic();
