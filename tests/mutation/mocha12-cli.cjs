// Preloaded (NODE_OPTIONS=--require) into every process of `npm run mutate`; see README "Mutation testing".
//
// @stryker-mutator/mocha-runner 10.0.0 (dist/src/lib-wrapper.js) loads mocha's CLI helpers by absolute path without
// an extension: require(`${mochaRoot}/lib/cli/run-helpers`), `lib/cli/options`, `lib/cli/collect-files`.
// Mocha 12 ships them as `.cjs` files, and Node's require tries only the registered extensions (.js, .json, .node),
// so the runner fails with "Cannot find module .../lib/cli/run-helpers".
// Registering `.cjs` with the `.js` loader makes require try `<path>.cjs` too. Node already loads every `.cjs` file
// it is given explicitly with that same loader, so the only change is that extensionless paths now also find `.cjs`.
"use strict";
const Module = require("node:module");
if (!Module._extensions[".cjs"]) Module._extensions[".cjs"] = Module._extensions[".js"];
