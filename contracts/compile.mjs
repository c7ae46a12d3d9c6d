// Compiles token/AlephToken.sol with the solc-js pinned in package.json and
// writes token/AlephToken.abi and token/AlephToken.bin, the inputs of abigen.
// Run by ../scripts/gen-token.sh.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'token');
const input = {
  language: 'Solidity',
  sources: { 'AlephToken.sol': { content: readFileSync(join(dir, 'AlephToken.sol'), 'utf8') } },
  settings: {
    // Cancun, not solc's newest default: the bytecode must run on any chain
    // a test may use, geth --dev and go-ethereum's simulated backend included.
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 200 },
    // No metadata hash: the bytecode then depends only on the source and the
    // compiler, not on file paths, and regenerating it changes nothing.
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { AlephToken: ['abi', 'evm.bytecode.object'] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === 'error');
for (const e of out.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
const c = out.contracts['AlephToken.sol'].AlephToken;
writeFileSync(join(dir, 'AlephToken.abi'), JSON.stringify(c.abi) + '\n');
writeFileSync(join(dir, 'AlephToken.bin'), c.evm.bytecode.object + '\n');
console.error(`compiled AlephToken with solc ${solc.version()}`);
