// Bundles the studio's editors (studio/frontend/*, ES modules) with esbuild into
// studio/static/studio/*.bundle.js (IIFE, minified), plus THIRD-PARTY-LICENSES.txt naming every
// npm package bundled into them with its version and licence text. Run by `make vendor`
// (node studio/frontend/build.mjs); the output is committed, so `make demo` needs no node.
//
// bpmn-js and dmn-js are not bundled: the pages load their vendored dist files first
// (window.BpmnJS, window.DmnJS). @bpmn-io/properties-panel ships a CodeMirror FEEL and JSON
// editor the studio does not use (cells and scripts are Python); those imports are replaced
// by an inert stub, which keeps ~550 KB of CodeMirror out of the bundle.

import { build } from 'esbuild';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const OUT = join(ROOT, 'studio', 'static', 'studio');

const ENTRIES = {
  'editor.bundle': 'loader.js',
  'bpmn-editor.bundle': 'bpmn/index.js',
  'dmn-editor.bundle': 'dmn/index.js',
  'form-editor.bundle': 'form/index.js'
};

const UNUSED = /^(@codemirror\/|@lezer\/|@bpmn-io\/feel-editor|@bpmn-io\/feelers-editor|@bpmn-io\/feel-lint|@camunda\/feel-builtins)/;

// The names the importing file takes from a stubbed module, so the stub can export them.
function importedNames(importer, path) {
  const source = readFileSync(importer, 'utf8');
  const names = new Set();
  const quoted = path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const pattern = new RegExp(`import\\s+([^;]*?)\\s+from\\s+['"]${quoted}['"]`, 'g');
  for (const match of source.matchAll(pattern)) {
    const clause = match[1];
    const braces = /\{([^}]*)\}/.exec(clause);
    if (braces) {
      braces[1].split(',').map((part) => part.trim().split(/\s+as\s+/)[0]).filter(Boolean)
        .forEach((name) => names.add(name));
    }
  }
  return [ ...names ];
}

const stubUnused = {
  name: 'stub-unused',
  setup(builder) {
    builder.onResolve({ filter: UNUSED }, (args) => ({
      path: args.path,
      namespace: 'unused',
      pluginData: { names: args.importer ? importedNames(args.importer, args.path) : [] }
    }));
    builder.onLoad({ filter: /.*/, namespace: 'unused' }, (args) => ({
      loader: 'js',
      contents: `// ${args.path}: not bundled (no FEEL or CodeMirror editor in the studio).
const inert = new Proxy(function() {}, {
  get: (target, key) => (key === Symbol.toPrimitive ? () => '' : key === 'prototype' ? {} : inert),
  apply: () => inert,
  construct: () => inert
});
export default inert;
${args.pluginData.names.map((name) => `export const ${name} = inert;`).join('\n')}`
    }));
  }
};

const result = await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([ out, entry ]) => [ out, join(HERE, entry) ])),
  outdir: OUT,
  bundle: true,
  minify: !process.env.STUDIO_BUILD_UNMINIFIED,
  format: 'iife',
  target: [ 'es2018' ],
  legalComments: 'none',
  charset: 'utf8',
  metafile: true,
  plugins: [ stubUnused ],
  logLevel: 'warning'
});

// The licences of everything bundled.
const packages = new Map();
for (const output of Object.values(result.metafile.outputs)) {
  for (const input of Object.keys(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!match) {
      continue;
    }
    // The package nearest to the file (a package may vendor another, like preact).
    const path = input.slice(0, input.lastIndexOf('node_modules/') + 'node_modules/'.length + match[1].length);
    const nested = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\/(preact)\//.exec(input);
    const base = nested && existsSync(join(ROOT, nested[1], nested[2], 'package.json')) ? join(nested[1], nested[2]) : path;
    packages.set(base, true);
  }
}
const sections = [ ...packages.keys() ].sort().map((path) => {
  const manifest = JSON.parse(readFileSync(join(ROOT, path, 'package.json'), 'utf8'));
  const licence = [ 'LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'license.md', 'LICENCE' ]
    .map((name) => join(ROOT, path, name))
    .find((file) => existsSync(file));
  const text = licence ? readFileSync(licence, 'utf8').trim() : `License: ${manifest.license}`;
  return `${manifest.name} ${manifest.version} (${manifest.license})\n\n${text}\n`;
});
writeFileSync(
  join(OUT, 'THIRD-PARTY-LICENSES.txt'),
  'npm packages bundled into studio/static/studio/*.bundle.js by studio/frontend/build.mjs\n\n' +
    sections.join('\n' + '-'.repeat(72) + '\n\n')
);

for (const [ file, output ] of Object.entries(result.metafile.outputs)) {
  console.log(`${file}  ${(output.bytes / 1024).toFixed(1)} KiB`);
}
