import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, FerryError, isFerryError } from '../core/index.js';
import { DEFAULT_COPY_OPTIONS, type CopyOptions } from '../engine/index.js';
import { isWritable, openStore, type ObjectStore, type StoreSpec, type WritableStore } from '../stores/index.js';
import { providerQuirks } from '../stores/s3/index.js';
import type { SigV4Credentials } from '../stores/s3/lean/sigv4.js';
import { readBody } from '../stores/s3/lean/http.js';
import { Exchange } from './exchange.js';
import { FillFlights } from './fill-flights.js';
import { listBucketsXml, listObjects } from './list-objects.js';
import { mirrorIdentity } from './mirror-identity.js';
import { readObject } from './object-reads.js';
import { isPlainReadParam, parseTarget, type RequestTarget } from './request-target.js';
import { accessDenied, faultOf, noSuchBucket, S3Fault } from './s3-fault.js';
import { S3Forwarder } from './s3-forwarder.js';
import { SigV4Verifier, type AuthResult } from './sigv4-verify.js';
import { Tombstones } from './tombstones.js';
import { handleWrite } from './write-requests.js';

const MiB = 1024 * 1024;

export interface MirrorOptions {
  src: StoreSpec;
  dst: StoreSpec;
  /** The bucket name clients use; the destination's bucket by default. */
  bucket?: string | undefined;
  listen: { host: string; port: number };
  /** Keys clients sign with (none: anonymous reads only). */
  credentials: readonly SigV4Credentials[];
  /** Unsigned GET, HEAD and listings are served (writes always need a signature). */
  anonymousRead?: boolean | undefined;
  /** SQLite file remembering keys deleted through the mirror; `:memory:` by default. */
  statePath?: string | undefined;
  /** One line per request and per fill; nothing when absent. */
  log?: ((line: string) => void) | undefined;
  /** How fills are written (multipart threshold, part size). */
  copy?: Partial<Pick<CopyOptions, 'multipartThreshold' | 'partSize' | 'storageClass'>> | undefined;
  /** Bytes of one object kept for clients that ask for it while its fill runs (default 8 MiB). */
  replayBytesPerObject?: number | undefined;
  /** Bytes kept that way for all objects together (default 128 MiB). */
  replayBudget?: number | undefined;
  /** The clock signatures are checked against (tests). */
  now?: (() => number) | undefined;
}

export interface RunningMirror {
  /** `http://HOST:PORT` as bound. */
  url: string;
  bucket: string;
  /** Fingerprint of the source/destination pair (the `x-ferry-mirror` header). */
  identity: string;
  /** Fills in flight now. */
  fillsInFlight(): number;
  /** Stops accepting requests, lets requests and fills in flight finish, releases everything. */
  close(): Promise<void>;
}

/** Query names of a bucket listing (GET Bucket, v1 or v2). */
const LIST_PARAMS = new Set(['list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'marker', 'optional-object-attributes']);

/**
 * The back-to-origin mirror: an S3 endpoint for one bucket that answers
 * reads from the destination and, for what is not there yet, from the
 * source, filling the destination as it goes; listings show both; writes go
 * to the destination only. See docs/mirror.md.
 */
export async function startMirror(options: MirrorOptions): Promise<RunningMirror> {
  const bucket = options.bucket ?? (options.dst.type === 's3' ? options.dst.bucket : undefined);
  if (!bucket) throw new FerryError('USAGE', '--bucket: required when the destination is not an S3 bucket', { field: '--bucket', fatal: true });
  if (options.credentials.length === 0 && !options.anonymousRead) {
    throw new FerryError('USAGE', '--access-key-id: give the mirror credentials, or --anonymous-read', { field: '--access-key-id', fatal: true });
  }
  const log = options.log ?? (() => undefined);
  const src = await openStore(options.src, 'source');
  let dst: ObjectStore | undefined;
  let forwarder: S3Forwarder | undefined;
  let tombstones: Tombstones | undefined;
  try {
    // As a source: a local destination then lists no folder markers, which are not objects to the clients of a bucket.
    dst = await openStore(options.dst, 'source');
    if (!isWritable(dst)) throw new FerryError('USAGE', `--dst: ${dst.description} is read-only`, { field: '--dst', fatal: true });
    forwarder = options.dst.type === 's3' ? new S3Forwarder(options.dst) : undefined;
    tombstones = new Tombstones(options.statePath ?? ':memory:');
    return await serve(options, bucket, src, dst, forwarder, tombstones, log);
  } catch (err) {
    forwarder?.close();
    tombstones?.close();
    await Promise.all([src.close(), dst?.close()]);
    throw err;
  }
}

async function serve(
  options: MirrorOptions,
  bucket: string,
  src: ObjectStore,
  dst: WritableStore,
  forwarder: S3Forwarder | undefined,
  tombstones: Tombstones,
  log: (line: string) => void,
): Promise<RunningMirror> {
  const identity = mirrorIdentity(options.src, options.dst);
  const archiveClasses = new Set(options.src.type === 's3' ? providerQuirks(options.src.provider).archiveClasses : []);
  const copyOptions: CopyOptions = {
    ...DEFAULT_COPY_OPTIONS,
    ...options.copy,
    // One source read, in order: parts one after another, no retry from the start, no server-side copy.
    serverSideCopy: false,
    partConcurrency: 1,
    attempts: 1,
    concurrency: 1,
  };
  const flights = new FillFlights({
    src,
    dst,
    archiveClasses,
    copyOptions,
    keepPerObject: options.replayBytesPerObject ?? 8 * MiB,
    budget: { used: 0, limit: options.replayBudget ?? 128 * MiB },
    log,
    removeFromDestination: forwarder ? (key) => removeAt(forwarder, key) : undefined,
  });
  const verifier = new SigV4Verifier(options.credentials, options.now);
  const isDeleted = (key: string): boolean => tombstones.has(key);
  const readDeps = { src, dst, flights, archiveClasses, isDeleted };
  const listDeps = { src, dst, bucket, isDeleted };
  const writeDeps = {
    bucket,
    dst,
    forwarder,
    flights,
    tombstones,
    ensureAtDestination: async (key: string): Promise<boolean> => {
      if (await exists(dst, key)) return true;
      if (tombstones.has(key) || flights.isWriting(key)) return false;
      const { flight } = flights.join(key);
      try {
        await flight.ready;
      } catch (err) {
        if (isFerryError(err) && err.code === 'NOT_FOUND') return false;
        throw err;
      }
      if (await flight.done) return true;
      throw new S3Fault('ServiceUnavailable', 503, 'The object could not be fetched from the source; please try again.');
    },
  };
  const active = new Set<Promise<void>>();

  const handle = async (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> => {
    const ex = new Exchange(req, res, identity);
    let problem = '';
    try {
      const target = parseTarget(req.url ?? '/', req.headers.host, bucket);
      ex.resource = target.key === undefined ? `/${target.bucket}` : `/${target.bucket}/${target.key}`;
      const auth = verifier.verify({ method: req.method ?? 'GET', rawUrl: req.url ?? '/', headers: req.headers });
      await route(ex, target, auth, expectsContinue);
    } catch (err) {
      if (!(err instanceof S3Fault) && !(isFerryError(err) && err.code === 'NOT_FOUND')) problem = ` (${describeError(err)})`;
      const fault = faultOf(err);
      if (ex.outcome === '-') ex.outcome = fault.status === 403 ? 'denied' : 'error';
      if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
      ex.fail(fault);
    } finally {
      if (!req.complete) req.resume();
      log(`${req.method ?? '-'} ${JSON.stringify(ex.resource)} ${ex.outcome} ${res.statusCode} ${ex.bytes}B ${Date.now() - ex.started}ms ${ex.requestId}${problem}`);
    }
  };

  const route = async (ex: Exchange, target: RequestTarget, auth: AuthResult, expectsContinue: boolean): Promise<void> => {
    const method = ex.req.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    const plain = [...target.query.keys()].every(isPlainReadParam);
    const listing = target.key === undefined && method === 'GET' && [...target.query.keys()].every((n) => LIST_PARAMS.has(n) || isPlainReadParam(n));
    if (auth.kind === 'anonymous' && !(options.anonymousRead && reading && (target.key === undefined ? listing || (method === 'HEAD' && plain) : plain) && target.bucket !== '')) {
      throw accessDenied();
    }
    if (target.bucket === '') {
      if (method !== 'GET' || auth.kind !== 'signed') throw new S3Fault('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
      ex.outcome = 'list';
      ex.xml(200, listBucketsXml(bucket, auth.accessKeyId));
      return;
    }
    if (target.bucket !== bucket) throw noSuchBucket(target.bucket);
    if (target.key === undefined) {
      if (listing) return listObjects(listDeps, ex, target.query);
      if (method === 'GET' && target.query.has('location') && target.query.size <= 2) {
        ex.xml(200, '<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>');
        return;
      }
      if (method === 'HEAD' && plain) {
        ex.send(200, {});
        return;
      }
    } else if (reading && plain) {
      return readObject(readDeps, ex, target.key, target.query);
    }
    const sendContinue = (): void => {
      if (expectsContinue && !ex.res.headersSent) ex.res.writeContinue();
      expectsContinue = false;
    };
    return handleWrite(writeDeps, ex, target, auth, sendContinue);
  };

  const server: Server = createServer({ requestTimeout: 0 });
  const track = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    const p = handle(req, res, expectsContinue).catch(() => void res.destroy());
    active.add(p);
    void p.finally(() => active.delete(p));
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => track(req, res, false));
  // The body is asked for only once the request is known to be allowed.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => track(req, res, true));
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : err.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : err.code === 'EACCES' ? 'needs more privileges' : err.message;
      reject(new FerryError('CONFIG', `--listen: ${options.listen.host}:${options.listen.port} ${why}`, { field: '--listen', fatal: true, cause: err }));
    });
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}`,
    bucket,
    identity,
    fillsInFlight: () => flights.inFlight,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.all([...active]);
        await flights.settled();
        // Keep-alive sockets that went idle after their last answer.
        for (let i = 0; i < 50; i++) {
          server.closeIdleConnections();
          const done = await Promise.race([closed.then(() => true), sleep(100).then(() => false)]);
          if (done) break;
        }
        server.closeAllConnections();
        await closed;
        forwarder?.close();
        tombstones.close();
        await Promise.all([src.close(), dst.close()]);
      })();
      return closing;
    },
  };
}

async function exists(store: ObjectStore, key: string): Promise<boolean> {
  try {
    await store.head(key);
    return true;
  } catch (err) {
    if (isFerryError(err) && err.code === 'NOT_FOUND') return false;
    throw err;
  }
}

/** Deletes an object at the destination (a fill that failed its checks after the upload). */
async function removeAt(forwarder: S3Forwarder, key: string): Promise<void> {
  const res = await forwarder.send({ method: 'DELETE', key, query: new Map(), headers: {} });
  await readBody(res);
  if ((res.statusCode ?? 500) >= 300) throw new FerryError('SERVER_ERROR', `DELETE answered ${res.statusCode}`);
}
