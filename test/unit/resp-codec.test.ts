import { describe, expect, it } from 'vitest';
import { encodeCommand, RespError, RespParser } from '../../src/runners/bullmq/resp-codec.js';

describe('RESP codec', () => {
  it('encodes commands as arrays of bulk strings, byte-exact', () => {
    expect(encodeCommand('SET', ['k', 'ü', 5]).toString()).toBe('*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nü\r\n$1\r\n5\r\n');
    const bin = encodeCommand('X', [Buffer.from([0, 13, 10])]);
    expect(bin).toEqual(Buffer.concat([Buffer.from('*2\r\n$1\r\nX\r\n$3\r\n'), Buffer.from([0, 13, 10]), Buffer.from('\r\n')]));
  });

  it('parses replies split anywhere, in order', () => {
    const wire = Buffer.from('+OK\r\n:42\r\n$-1\r\n$4\r\nhé!\r\n*3\r\n$1\r\na\r\n*0\r\n-ERR inner\r\n-NOSCRIPT no script\r\n*-1\r\n');
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new RespParser();
      const got = [...p.push(wire.subarray(0, cut)), ...p.push(wire.subarray(cut))];
      expect(got.slice(0, 4), `cut at ${cut}`).toEqual(['OK', 42, null, 'hé!']);
      expect(got[4]).toEqual(['a', [], new RespError('ERR inner')]);
      expect(got[5]).toBeInstanceOf(RespError);
      expect((got[5] as Error).message).toBe('NOSCRIPT no script');
      expect(got[6]).toBeNull();
      expect(got).toHaveLength(7);
    }
  });

  it('keeps a bulk string whose bytes contain CRLF', () => {
    const p = new RespParser();
    expect(p.push(Buffer.from('$4\r\na\r\nb\r\n'))).toEqual(['a\r\nb']);
  });
});
