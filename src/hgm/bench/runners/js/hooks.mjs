// Module hooks for hgm's jest-compatible runner: Exercism JavaScript tests use ESM `import`
// with extensionless relative paths ('./two-fer'); resolve those to files and load every .js
// file under the working directory as an ES module (no Babel needed).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = pathToFileURL(process.cwd() + '/').href;
const isFile = (url) => existsSync(fileURLToPath(url)) && statSync(fileURLToPath(url)).isFile();

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

export async function load(url, context, next) {
  if (url.startsWith(root) && url.endsWith('.js')) {
    const source = readFileSync(fileURLToPath(url), 'utf8');
    return { format: 'module', source, shortCircuit: true };
  }
  return next(url, context);
}
