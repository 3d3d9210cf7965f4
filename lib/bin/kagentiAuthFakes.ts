#!/usr/bin/env node
// `npx kagenti-auth-fakes`: the package's bin (package.json "bin"), built to dist/bin/.
import { runFakesCommand } from './runFakesCommand';

void runFakesCommand(process.argv.slice(2), process);
