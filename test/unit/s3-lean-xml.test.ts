import { describe, expect, it } from 'vitest';
import {
  XmlError,
  completeMultipartUploadXml,
  decodeEntities,
  escapeXml,
  parseCompleteMultipartUpload,
  parseCopyResult,
  parseErrorBody,
  parseInitiateMultipartUpload,
  parseListObjectsV2,
  parseListParts,
  parseXml,
} from '../../src/stores/s3/lean/xml.js';

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

describe('parseXml', () => {
  it('reads elements and text, skipping the declaration, comments and a DOCTYPE', () => {
    const root = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE r [<!ENTITY x "y">]><!-- c --><r a="1" b='&gt;'>\n  <x>one</x><y/><z attr="a>b">t<!-- c -->u</z>\n</r>`);
    expect(root.name).toBe('r');
    expect(root.children.map((c) => [c.name, c.text])).toEqual([['x', 'one'], ['y', ''], ['z', 'tu']]);
  });

  it('decodes the predefined entities and character references, and CDATA as is', () => {
    const root = parseXml('<r><k>a&amp;b&lt;c&gt;d&quot;e&apos;f&#65;&#x42;&#x1F600;&#9;</k><c><![CDATA[<&amp;>]]></c><u>&nbsp;&#xD800;</u></r>');
    expect(root.children[0]?.text).toBe('a&b<c>d"e\'fAB😀\t');
    expect(root.children[1]?.text).toBe('<&amp;>');
    // Unknown entities and non-characters are left as written.
    expect(root.children[2]?.text).toBe('&nbsp;&#xD800;');
  });

  it('keeps leading and trailing spaces of a value; white space with a line break alone is layout', () => {
    const root = parseXml('<r><a>  two spaces  </a><b>\n  </b><c> </c></r>');
    expect(root.children.map((c) => c.text)).toEqual(['  two spaces  ', '', ' ']);
  });

  it('drops namespace prefixes from names', () => {
    expect(parseXml('<s3:R xmlns:s3="x"><s3:K>v</s3:K></s3:R>').children[0]).toEqual({ name: 'K', text: 'v', children: [] });
  });

  it('refuses malformed documents', () => {
    for (const bad of ['', 'no xml', '<a>', '<a></b>', '<a><b></a></b>', '<a/><b/>', '<a', '<a><![CDATA[x</a>', '</a>']) {
      expect(() => parseXml(bad), bad).toThrow(XmlError);
    }
  });
});

describe('ListObjectsV2 responses', () => {
  it('reads objects, prefixes, truncation and the continuation token', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult ${NS}><Name>b</Name><Prefix>dir%2F</Prefix><MaxKeys>1000</MaxKeys><Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated>
<EncodingType>url</EncodingType><KeyCount>3</KeyCount><ContinuationToken>prev</ContinuationToken><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
<Contents><Key>dir%2Fa+b%2Bc%25%26.txt</Key><LastModified>2021-01-02T03:04:05.678Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>12</Size><Owner><ID>o</ID><DisplayName>O</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>dir%2Fbig</Key><LastModified>2021-01-02T03:04:06.000Z</LastModified><ETag>"d41d8cd98f00b204e9800998ecf8427e-2"</ETag><Size>10485760</Size><StorageClass>GLACIER</StorageClass></Contents>
<Contents><Key>dir%2Fbare</Key></Contents>
<CommonPrefixes><Prefix>dir%2Fsub%2F</Prefix></CommonPrefixes><CommonPrefixes><Prefix>dir%2Fz%20z%2F</Prefix></CommonPrefixes>
</ListBucketResult>`;
    expect(parseListObjectsV2(xml)).toEqual({
      contents: [
        { key: 'dir%2Fa+b%2Bc%25%26.txt', lastModifiedMs: Date.UTC(2021, 0, 2, 3, 4, 5, 678), etag: '"9b2cf535f27731c974343645a3985328"', size: 12, storageClass: 'STANDARD' },
        { key: 'dir%2Fbig', lastModifiedMs: Date.UTC(2021, 0, 2, 3, 4, 6), etag: '"d41d8cd98f00b204e9800998ecf8427e-2"', size: 10485760, storageClass: 'GLACIER' },
        { key: 'dir%2Fbare', lastModifiedMs: undefined, etag: undefined, size: undefined, storageClass: undefined },
      ],
      commonPrefixes: ['dir%2Fsub%2F', 'dir%2Fz%20z%2F'],
      isTruncated: true,
      nextContinuationToken: '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
      encodingType: 'url',
    });
  });

  it('reads an empty listing', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult ${NS}><Name>b</Name><Prefix>missing/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`;
    expect(parseListObjectsV2(xml)).toEqual({ contents: [], commonPrefixes: [], isTruncated: false, nextContinuationToken: undefined, encodingType: undefined });
    expect(parseListObjectsV2(`<ListBucketResult ${NS}/>`).contents).toEqual([]);
  });

  it('reads keys sent without url encoding, entities decoded', () => {
    const xml = `<ListBucketResult><Contents><Key>a &amp; b &lt;c&gt; &#x1;ctl "q" 'a' ü</Key><Size>0</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>`;
    expect(parseListObjectsV2(xml).contents[0]?.key).toBe('a & b <c> \u0001ctl "q" \'a\' ü');
  });

  it('parses a 1,000-key page quickly', () => {
    let xml = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult ${NS}><Name>b</Name><IsTruncated>true</IsTruncated><EncodingType>url</EncodingType><NextContinuationToken>t</NextContinuationToken>`;
    for (let i = 0; i < 1000; i++) {
      xml += `<Contents><Key>list%2Fdir%20${i % 7}%2Ffile%2B${String(i).padStart(5, '0')}%20%C3%BC%26%3C%3E.txt</Key><LastModified>2026-11-22T00:53:26.123Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>${i}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    }
    xml += '</ListBucketResult>';
    for (let i = 0; i < 20; i++) parseListObjectsV2(xml);
    const t = performance.now();
    const runs = 20;
    for (let i = 0; i < runs; i++) expect(parseListObjectsV2(xml).contents).toHaveLength(1000);
    // About 1.5 ms here; generous for a loaded CI machine.
    expect((performance.now() - t) / runs).toBeLessThan(15);
  });
});

describe('error documents', () => {
  it('reads Code, Message and RequestId', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&amp;b</Key><BucketName>b</BucketName><RequestId>tx1</RequestId><HostId>h</HostId></Error>`;
    expect(parseErrorBody(xml)).toEqual({ code: 'NoSuchKey', message: 'The specified key does not exist.', requestId: 'tx1' });
  });

  it('reads an error wrapped in another element', () => {
    expect(parseErrorBody('<ErrorResponse><Error><Code>SlowDown</Code></Error></ErrorResponse>')?.code).toBe('SlowDown');
  });

  it('gives nothing for a body that is not an error document', () => {
    for (const body of ['', 'Internal Server Error', '<html><body><h1>502 Bad Gateway</h1></body></html>', '<Error><Code>Trunc']) {
      expect(parseErrorBody(body), body).toBeUndefined();
    }
  });
});

describe('other responses', () => {
  it('InitiateMultipartUploadResult', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult ${NS}><Bucket>b</Bucket><Key>k</Key><UploadId>2~abc-DEF_ghi</UploadId></InitiateMultipartUploadResult>`;
    expect(parseInitiateMultipartUpload(xml)).toEqual({ uploadId: '2~abc-DEF_ghi' });
  });

  it('CompleteMultipartUploadResult, with and without an ETag (Ceph 16 sends it empty)', () => {
    expect(parseCompleteMultipartUpload(`<CompleteMultipartUploadResult ${NS}><Location>l</Location><Bucket>b</Bucket><Key>k</Key><ETag>&quot;abc-2&quot;</ETag></CompleteMultipartUploadResult>`)).toEqual({ etag: '"abc-2"' });
    expect(parseCompleteMultipartUpload(`<CompleteMultipartUploadResult ${NS}><ETag></ETag></CompleteMultipartUploadResult>`)).toEqual({ etag: '' });
  });

  it('CopyObjectResult and CopyPartResult (Ceph: part ETag without quotes)', () => {
    expect(parseCopyResult('<CopyObjectResult><LastModified>2009-10-28T22:32:00.000Z</LastModified><ETag>"9b2cf535f27731c974343645a3985328"</ETag></CopyObjectResult>')).toEqual({
      etag: '"9b2cf535f27731c974343645a3985328"',
      lastModifiedMs: Date.UTC(2009, 9, 28, 22, 32),
    });
    expect(parseCopyResult('<CopyPartResult><LastModified>2009-10-28T22:32:00Z</LastModified><ETag>9b2cf535f27731c974343645a3985328</ETag></CopyPartResult>').etag).toBe('9b2cf535f27731c974343645a3985328');
  });

  it('ListPartsResult, truncated', () => {
    const xml = `<ListPartsResult ${NS}><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>
<Part><PartNumber>1</PartNumber><LastModified>2010-11-10T20:48:34.000Z</LastModified><ETag>"7778aef83f66abc1fa1e8477f296d394"</ETag><Size>5242880</Size></Part>
<Part><PartNumber>2</PartNumber><ETag>&quot;aaaa18db4cc2f85cedef654fccc4a4x8&quot;</ETag><Size>1024</Size></Part></ListPartsResult>`;
    expect(parseListParts(xml)).toEqual({
      parts: [
        { partNumber: 1, etag: '"7778aef83f66abc1fa1e8477f296d394"', size: 5242880 },
        { partNumber: 2, etag: '"aaaa18db4cc2f85cedef654fccc4a4x8"', size: 1024 },
      ],
      isTruncated: true,
      nextPartNumberMarker: '2',
    });
    expect(parseListParts(`<ListPartsResult ${NS}><IsTruncated>false</IsTruncated></ListPartsResult>`)).toEqual({ parts: [], isTruncated: false, nextPartNumberMarker: undefined });
  });
});

describe('request bodies and escaping', () => {
  it('builds CompleteMultipartUpload with escaped ETags, and reads back the same', () => {
    const xml = completeMultipartUploadXml([
      { partNumber: 1, etag: '"a1"' },
      { partNumber: 2, etag: '"b<&>\'2"' },
    ]);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Part><ETag>&quot;a1&quot;</ETag><PartNumber>1</PartNumber></Part>' +
        '<Part><ETag>&quot;b&lt;&amp;&gt;&apos;2&quot;</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>',
    );
    const parts = parseXml(xml).children.map((p) => p.children.map((c) => c.text));
    expect(parts).toEqual([['"a1"', '1'], ['"b<&>\'2"', '2']]);
  });

  it('escapes and decodes as inverses', () => {
    const text = 'a&b<c>d"e\'f\r\ng &amp; ü😀';
    expect(decodeEntities(escapeXml(text))).toBe(text);
    expect(decodeEntities('no entities')).toBe('no entities');
  });
});
