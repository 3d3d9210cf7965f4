import { PassThrough } from 'node:stream';
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import * as winston from 'winston';
import { TokenRequestError } from '../../lib';
import { toBackstageError } from '../../lib/backstage';

const SECRET = 'Sup3r-S3cret-Value!';

/** What Backstage's root logger writes for `logger.error(message, error)`, in the given format. */
async function logged(format: winston.Logform.Format, error: Error): Promise<string> {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const logger = WinstonLogger.create({ level: 'info', format, transports: [new winston.transports.Stream({ stream })] });
  logger.error('Request failed with status 503', error as unknown as Parameters<typeof logger.error>[1]);
  await new Promise(resolve => setImmediate(resolve));
  return chunks.join('');
}

describe("a token failure in Backstage's root logger", () => {
  const tokenError = new TokenRequestError(
    'Token request to https://keycloak.test/realms/kagenti/protocol/openid-connect/token failed: invalid_client (HTTP 401). Check the client id and secret (boost.kagenti.auth.clientId and clientSecret) and that the client has client authentication turned on.',
    {
      code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
      tokenEndpoint: 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token',
      status: 401,
      error: 'invalid_client',
    },
  );
  const error = toBackstageError(tokenError, { method: 'GET', path: '/api/v1/agents' });

  it.each([
    ['JSON', winston.format.json()],
    ['pretty', WinstonLogger.colorFormat()],
  ])('shows the cause with its message (what to check) and code, in the %s format', async (_name, format) => {
    const line = await logged(format, error);
    expect(line).toContain('TOKEN_ENDPOINT_OAUTH_ERROR');
    expect(line).toContain('Check the client id and secret (boost.kagenti.auth.clientId and clientSecret)');
    expect(line).not.toContain(SECRET);
  });

  it('has the message among its own enumerable fields, so JSON shows it', () => {
    expect(JSON.parse(JSON.stringify(tokenError))).toMatchObject({
      name: 'TokenRequestError',
      code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
      message: tokenError.message,
    });
  });
});
