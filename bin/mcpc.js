#!/usr/bin/env node
// The mcpc command. The compiler is written in TypeScript and built into dist/ by `npm run build`
// (which `npm install` runs through the `prepare` script).
import { main } from '../dist/compiler/cli/main.js';

const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;
