#!/usr/bin/env node
// The `vigil` command: runs the TypeScript engine under plain Node through tsx's loader,
// so the CLI, the tests and the app all execute the same engine source.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../engine/cli.ts');
process.exitCode = await main(process.argv.slice(2));
