import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import {
  CONFIG_KEYS,
  kagentiAuthConfigSchema,
  NUMBER_CONFIG_KEYS,
  SECRET_CONFIG_KEYS,
} from '../../lib/config/kagentiAuthConfigSchema';
import { CLIENT_AUTHENTICATIONS } from '../../lib/protocol/clientAuthentication/clientAuthenticationMethods';
import { SIGNING_ALGORITHMS } from '../../lib/protocol/clientAuthentication/signJwt';

/** What config.d.ts (Backstage's configSchema) declares for one key of boost.kagenti.auth. */
interface DeclaredKey {
  type: 'string' | 'number' | 'other';
  /** The string literals of a union type, when it is one. */
  literals?: string[];
  secret: boolean;
}

function declaredAuthKeys(): Map<string, DeclaredKey> {
  const file = path.resolve(__dirname, '../../config.d.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const config = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Config',
  );
  const member = (members: ts.NodeArray<ts.TypeElement> | undefined, name: string): ts.PropertySignature => {
    const found = members?.find((m): m is ts.PropertySignature => ts.isPropertySignature(m) && m.name.getText(source) === name);
    if (!found) throw new Error(`config.d.ts has no ${name}`);
    return found;
  };
  const membersOf = (property: ts.PropertySignature) =>
    property.type && ts.isTypeLiteralNode(property.type) ? property.type.members : undefined;
  const auth = member(membersOf(member(membersOf(member(config?.members, 'boost')), 'kagenti')), 'auth');
  const keys = new Map<string, DeclaredKey>();
  for (const property of membersOf(auth) ?? []) {
    if (!ts.isPropertySignature(property) || !property.type) continue;
    const type = property.type;
    const secret = ts
      .getJSDocTags(property)
      .some(tag => tag.tagName.text === 'visibility' && String(tag.comment).trim() === 'secret');
    if (ts.isUnionTypeNode(type)) {
      const literals = type.types.map(t => (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : '?'));
      keys.set(property.name.getText(source), { type: 'string', literals, secret });
    } else {
      const kind =
        type.kind === ts.SyntaxKind.StringKeyword ? 'string' : type.kind === ts.SyntaxKind.NumberKeyword ? 'number' : 'other';
      keys.set(property.name.getText(source), { type: kind, secret });
    }
  }
  return keys;
}

describe('config.d.ts (the schema Backstage validates app-config with)', () => {
  const declared = declaredAuthKeys();

  it('declares every key of the zod schema under boost.kagenti.auth, and no other', () => {
    expect([...declared.keys()].sort()).toEqual([...CONFIG_KEYS].sort());
    expect(CONFIG_KEYS).toEqual(Object.keys(kagentiAuthConfigSchema.shape));
  });

  it('types the number keys as numbers and every other key as text', () => {
    for (const key of CONFIG_KEYS) {
      expect([key, declared.get(key)?.type]).toEqual([
        key,
        (NUMBER_CONFIG_KEYS as readonly string[]).includes(key) ? 'number' : 'string',
      ]);
    }
  });

  it('lists exactly the methods of the rulebook and the signing algorithms the schema accepts', () => {
    expect(declared.get('clientAuthentication')?.literals).toEqual(CLIENT_AUTHENTICATIONS);
    expect(declared.get('signingAlgorithm')?.literals).toEqual([...SIGNING_ALGORITHMS]);
  });

  it('marks every secret key @visibility secret, and no other key', () => {
    const secrets = [...declared].filter(([, key]) => key.secret).map(([name]) => name);
    expect(secrets.sort()).toEqual([...SECRET_CONFIG_KEYS].sort());
  });
});
