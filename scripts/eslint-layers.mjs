// ESLint rule `layers/imports`: a file under lib/ may import only what lib/README.md's table
// allows for its folder (other folders of lib/, and packages). The table is read from the README
// itself, so the written rule and the enforced one cannot drift apart.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const LIB = path.resolve(import.meta.dirname, '..', 'lib');

/** folder → { folders: Set, packages: string[] }, from the README's table rows. */
function readLayers() {
  const layers = new Map();
  for (const line of readFileSync(path.join(LIB, 'README.md'), 'utf8').split('\n')) {
    const cells = line.split('|').map(cell => cell.trim());
    const folder = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!folder || cells.length < 5) continue;
    const list = cell =>
      cell === '—'
        ? []
        : cell
            .split(',')
            .map(item =>
              item
                .replace(/\\/g, '')
                .replace(/\(types\)/, '')
                .trim(),
            )
            .filter(Boolean);
    layers.set(folder, { folders: new Set(list(cells[2])), packages: list(cells[3]) });
  }
  return layers;
}

const layers = readLayers();
const builtins = new Set(builtinModules);

/** The lib/ folder (or root file) a path lies in, or undefined outside lib/. */
function unitOf(file) {
  const relative = path.relative(LIB, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const [first, ...rest] = relative.split(path.sep);
  return rest.length === 0 ? first.replace(/\.ts$/, '.ts') : first;
}

function packageAllowed(specifier, allowed) {
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  if (specifier.startsWith('node:') || builtins.has(name)) return allowed.includes('node');
  return allowed.some(entry => (entry.endsWith('/*') ? name.startsWith(entry.slice(0, -1)) : entry === name));
}

export default {
  rules: {
    imports: {
      meta: { type: 'problem', schema: [], docs: { description: 'folders of lib/ import one way (lib/README.md)' } },
      create(context) {
        const file = context.filename;
        const unit = unitOf(file);
        const layer = unit && layers.get(unit);
        if (!unit || unit === 'README.md') return {};
        const check = (node, specifier) => {
          if (typeof specifier !== 'string') return;
          if (!layer) {
            context.report({ node, message: `lib/${unit} has no row in lib/README.md's import table; add one` });
            return;
          }
          if (specifier.startsWith('.')) {
            const target = unitOf(path.resolve(path.dirname(file), specifier));
            if (target === undefined || target === unit) return;
            if (!layer.folders.has(target.replace(/\.ts$/, ''))) {
              context.report({
                node,
                message: `lib/${unit} may not import lib/${target} (lib/README.md allows: ${[...layer.folders].join(', ') || 'no other folder'})`,
              });
            }
          } else if (!packageAllowed(specifier, layer.packages)) {
            context.report({
              node,
              message: `lib/${unit} may not import the package ${specifier} (lib/README.md allows: ${layer.packages.join(', ') || 'none'})`,
            });
          }
        };
        return {
          ImportDeclaration: node => check(node, node.source.value),
          ExportNamedDeclaration: node => node.source && check(node, node.source.value),
          ExportAllDeclaration: node => check(node, node.source.value),
          ImportExpression: node => node.source.type === 'Literal' && check(node, node.source.value),
          CallExpression: node => {
            if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
              check(node, node.arguments[0].value);
            }
          },
        };
      },
    },
  },
};
