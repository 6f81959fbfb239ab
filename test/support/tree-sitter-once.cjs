// Jest evaluates every module afresh for each test file, but tree-sitter's native binding is
// loaded once per process and its JS wrapper can patch it only once: a second evaluation reads
// its own getters back as undefined (tree-sitter/node-tree-sitter#53). Keep the first wrapper for
// the whole worker process, on a core module object, which jest shares between test files.
const os = require('node:os');
const path = require('node:path');

const key = Symbol.for('racecheck:tree-sitter');
if (!os[key]) os[key] = require(path.join(__dirname, '../../node_modules/tree-sitter/index.js'));
module.exports = os[key];
