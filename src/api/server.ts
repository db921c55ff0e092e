import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { FerryError, usageError } from '../core/index.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN = '127.0.0.1:8080';

/** `HOST:PORT`, `[IPv6]:PORT` or just `PORT` (on 127.0.0.1). Port 0 picks a free one. */
export function parseListen(text: string, field = '--listen'): ListenAddress {
  const value = text.trim();
  const forms = 'expected HOST:PORT such as 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080';
  let host: string;
  let portText: string;
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(value);
  if (v6) [host, portText] = [v6[1]!, v6[2]!];
  else if (/^\d+$/.test(value)) [host, portText] = ['127.0.0.1', value];
  else {
    const m = /^([A-Za-z0-9.-]+):(\d+)$/.exec(value);
    if (!m) throw usageError(field, `cannot read ${JSON.stringify(text)}; ${forms}`);
    [host, portText] = [m[1]!, m[2]!];
    if (/^[\d.]+$/.test(host) && !isIpv4(host)) throw usageError(field, `${host} is not an IPv4 address`);
  }
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(field, `port ${portText} is not in 0-65535`);
  return { host, port };
}

function isIpv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Whether only this machine can connect. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export interface RunningServer {
  /** `http://HOST:PORT` as bound (the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

/** Serves the app on Node's HTTP server; a port in use or a bad address is a configuration error. */
export async function startServer(app: Hono, listen: ListenAddress): Promise<RunningServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: listen.host, port: listen.port }) as Server;
    s.once('listening', () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : err.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : err.code === 'EACCES' ? 'needs more privileges' : err.message;
      reject(new FerryError('CONFIG', `--listen: ${listen.host}:${listen.port} ${why}`, { field: '--listen', fatal: true, cause: err }));
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Progress streams never end by themselves.
        server.closeAllConnections();
      }),
  };
}
