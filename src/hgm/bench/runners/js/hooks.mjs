// Module hooks for hgm's jest-compatible runner. Under jest, Babel turns every file into
// CommonJS, so tests and solutions may use ES modules or CommonJS in any mix; these hooks
// give the same freedom without Babel, for .js files under the working directory:
// - extensionless relative imports ('./two-fer') resolve to './two-fer.js' (or .mjs, /index.js);
// - a file with `import`/`export` statements loads as an ES module, with `require`,
//   `__filename` and `__dirname` defined when it uses them and does not declare them;
// - any other file is CommonJS: Node's own loader runs it, and an ES module importing it
//   gets Babel's interop (default export = module.exports, unless it is a transpiled ES
//   module; a named import reads the property of the same name).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = pathToFileURL(process.cwd() + '/').href;
const isFile = (url) => existsSync(fileURLToPath(url)) && statSync(fileURLToPath(url)).isFile();
const ESM_SYNTAX = /^\s*(?:import(?:\s+[\w$]|\s*[{*'"])|export(?:\s+[\w$]|\s*[{*]))/m;
const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends ' +
   'false finally for function if implements import in instanceof interface let new null package ' +
   'private protected public return static super switch this throw true try typeof var void ' +
   'while with yield await arguments eval undefined then').split(' '),
);
const uses = (source, name) => new RegExp(`\\b${name}\\b`).test(source);
const declares = (source, name) =>
  new RegExp(`\\b(?:const|let|var|function|class|import)\\b[^;=]*\\b${name}\\b`).test(source);

export async function resolve(specifier, context, next) {
  if (/^\.{1,2}\//.test(specifier) && context.parentURL) {
    const direct = new URL(specifier, context.parentURL);
    if (!isFile(direct)) {
      for (const suffix of ['.js', '.mjs', '/index.js']) {
        const candidate = new URL(specifier + suffix, context.parentURL);
        if (isFile(candidate)) return next(candidate.href, context);
      }
    }
  }
  return next(specifier, context);
}

const moduleSource = (source) => {
  const prelude = [];
  if (uses(source, 'require') && !declares(source, 'require')) {
    prelude.push("import { createRequire as __hgmCreateRequire } from 'node:module';");
    prelude.push('const require = __hgmCreateRequire(import.meta.url);');
  }
  const filename = uses(source, '__filename') && !declares(source, '__filename');
  const dirname = uses(source, '__dirname') && !declares(source, '__dirname');
  if (filename || dirname) {
    prelude.push("import { fileURLToPath as __hgmFileURLToPath } from 'node:url';");
    if (filename) prelude.push('const __filename = __hgmFileURLToPath(import.meta.url);');
  }
  if (dirname) {
    prelude.push("import { dirname as __hgmDirname } from 'node:path';");
    prelude.push('const __dirname = __hgmDirname(__hgmFileURLToPath(import.meta.url));');
  }
  // One line, so that error positions in the file keep their line numbers.
  return prelude.length ? `${prelude.join(' ')} ${source}` : source;
};

const commonjsWrapper = (url, source) => {
  const names = [...new Set(source.match(/[A-Za-z_$][\w$]*/g) || [])].filter(
    (name) => !RESERVED.has(name) && !name.startsWith('__hgm'),
  );
  const path = JSON.stringify(fileURLToPath(url));
  return [
    "import { createRequire as __hgmCreateRequire } from 'node:module';",
    `const __hgmExports = __hgmCreateRequire(import.meta.url)(${path});`,
    'export default __hgmExports && __hgmExports.__esModule ? __hgmExports.default : __hgmExports;',
    ...names.map(
      (name) => `export const ${name} = __hgmExports == null ? undefined : __hgmExports[${JSON.stringify(name)}];`,
    ),
  ].join('\n');
};

export async function load(url, context, next) {
  if (url.startsWith(root) && url.endsWith('.js') && !url.includes('/node_modules/')) {
    const source = readFileSync(fileURLToPath(url), 'utf8');
    if (ESM_SYNTAX.test(source)) {
      return { format: 'module', source: moduleSource(source), shortCircuit: true };
    }
    return { format: 'module', source: commonjsWrapper(url, source), shortCircuit: true };
  }
  return next(url, context);
}
