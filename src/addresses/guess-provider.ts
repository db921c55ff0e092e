import type { ProviderName } from '../stores/s3/providers.js';

// Public endpoint domains of the big providers; anything else is `other`
// (MinIO and Ceph run on private hosts, so they must be named).
const DOMAINS: ReadonlyArray<readonly [string, ProviderName]> = [
  ['amazonaws.com', 'aws'],
  ['amazonaws.com.cn', 'aws'],
  ['aliyuncs.com', 'oss'],
  ['myqcloud.com', 'cos'],
  ['tencentcos.cn', 'cos'],
  ['qiniucs.com', 'kodo'],
  ['myhuaweicloud.com', 'obs'],
  ['bcebos.com', 'bos'],
  ['ksyuncs.com', 'ks3'],
];

/** The provider an endpoint URL belongs to, when `--provider` is not given. */
export function guessProvider(endpoint: string): ProviderName {
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return 'other';
  }
  for (const [domain, provider] of DOMAINS) {
    if (host === domain || host.endsWith(`.${domain}`)) return provider;
  }
  return 'other';
}
