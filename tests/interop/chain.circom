pragma circom 2.0.0;

// zkopt's interop fixture: the same statement as zkopt.circuits.chain (y = x^(N+1), N constraints).
template Chain(N) {
    signal input x;
    signal output y;
    signal t[N];
    t[0] <== x * x;
    for (var i = 1; i < N; i++) {
        t[i] <== t[i - 1] * x;
    }
    y <== t[N - 1];
}

component main = Chain(4);
