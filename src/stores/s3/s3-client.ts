import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3Spec } from '../store-spec.js';
import type { ProviderQuirks } from './providers.js';

const ignore = (): void => undefined;
const SILENT_LOGGER = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Sockets per client: enough for high transfer concurrency plus listing. */
const MAX_SOCKETS = 256;

/**
 * Builds the SDK client for one address. Retries are off in the SDK: the
 * engine retries whole operations (a streamed body cannot be replayed by the
 * SDK anyway) and counts them for the report.
 */
export function createS3Client(spec: S3Spec, quirks: ProviderQuirks): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS, keepAliveMsecs: 10_000 };
  const client = new S3Client({
    endpoint: spec.endpoint,
    region: spec.region ?? quirks.defaultRegion,
    forcePathStyle: spec.pathStyle ?? quirks.pathStyle,
    credentials: spec.credentials ?? { accessKeyId: '', secretAccessKey: '' },
    maxAttempts: 1,
    // The SDK would console.warn on every failed streamed upload; Ferry reports failures itself, once.
    logger: SILENT_LOGGER,
    // Anonymous access (public buckets): send requests unsigned rather than signed with empty keys.
    ...(spec.credentials ? {} : { signer: { sign: async <T>(request: T): Promise<T> => request } }),
    // aws-chunked trailing checksums are refused by Ceph (411), Swift (501),
    // OSS, COS and Kodo; Ferry computes its own MD5/CRC64 instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 10_000,
      // Idle socket time, not total time: a 5 GiB body may take long but never stalls this long.
      requestTimeout: 120_000,
    }),
  });
  if (quirks.crc64Header) captureHeader(client, quirks.crc64Header, '$crc64');
  return client;
}

/** Copies a raw response header into the deserialised output under `field`. */
function captureHeader(client: S3Client, header: string, field: string): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { headers?: Record<string, string> } | undefined;
      const value = response?.headers?.[header];
      if (value !== undefined) (result.output as unknown as Record<string, unknown>)[field] = value;
      return result;
    },
    { step: 'deserialize', name: `ferryCapture_${field}`, override: true },
  );
}
