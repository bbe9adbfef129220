// Hardhat's development node for zkopt's tests (zkopt.chain.node.HardhatNode): nothing to compile here,
// the tests compile with solc-js and deploy through JSON-RPC. Paths point into node_modules so that the
// node writes no cache or artifacts next to the project's files.
module.exports = {
  paths: { sources: "node_modules/.zkopt-hardhat/contracts", cache: "node_modules/.zkopt-hardhat/cache",
           artifacts: "node_modules/.zkopt-hardhat/artifacts" },
  networks: { hardhat: { chainId: 31337 } },
};
