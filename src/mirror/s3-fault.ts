import { escapeXml } from '../stores/s3/lean/xml.js';
import { describeError, isFerryError } from '../core/index.js';

/**
 * An S3 error answer: the `Code` clients switch on, its HTTP status and a
 * message for people. What the mirror throws wherever a request cannot be
 * served, so one place writes every error response.
 */
export class S3Fault extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra elements of the error document (`Key`, `BucketName`, ...). */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Fault';
  }
}

export const noSuchKey = (key: string): S3Fault => new S3Fault('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });
export const noSuchBucket = (bucket: string): S3Fault => new S3Fault('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket });
export const accessDenied = (why = 'Access Denied'): S3Fault => new S3Fault('AccessDenied', 403, why);
export const notImplemented = (what: string): S3Fault => new S3Fault('NotImplemented', 501, `${what} is not implemented by the Ferry mirror`);
export const invalidArgument = (message: string, name?: string, value?: string): S3Fault =>
  new S3Fault('InvalidArgument', 400, message, name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' });

/**
 * The answer for a failure of the mirror's own reads and writes (Ferry's
 * store errors): a missing object is a 404, a store that throttles or is
 * unreachable a 503 the client retries, anything else a 500. The store's
 * message (which names endpoints and buckets) goes to the mirror's log, not
 * to the client.
 */
export function faultOf(err: unknown): S3Fault {
  if (err instanceof S3Fault) return err;
  if (!isFerryError(err)) return new S3Fault('InternalError', 500, 'We encountered an internal error. Please try again.');
  switch (err.code) {
    case 'NOT_FOUND':
      return new S3Fault('NoSuchKey', 404, 'The specified key does not exist.');
    case 'THROTTLED':
      return new S3Fault('SlowDown', 503, 'Please reduce your request rate.');
    case 'NETWORK':
    case 'TIMEOUT':
    case 'SERVER_ERROR':
      return new S3Fault('ServiceUnavailable', 503, 'The mirror could not reach a backing store; please try again.');
    case 'PRECONDITION_FAILED':
      return new S3Fault('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    case 'INVALID_KEY':
      return new S3Fault('InvalidArgument', 400, describeError(err));
    default:
      return new S3Fault('InternalError', 500, 'We encountered an internal error. Please try again.');
  }
}

/** The S3 error document for a fault. */
export function errorXml(fault: S3Fault, resource: string, requestId: string): string {
  let extra = '';
  for (const [name, value] of Object.entries(fault.extra)) extra += `<${name}>${escapeXml(value)}</${name}>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(fault.message)}</Message>${extra}` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`
  );
}
