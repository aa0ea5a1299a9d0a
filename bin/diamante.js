#!/usr/bin/env node
// Entry point of the `diamante` command; the program is compiled into dist/ by `npm run build`.
import "../dist/src/cli/main.js";
