// Alibaba Cloud DNS OpenAPI 2015-01-09 (docs/alicloud-emulator.md, Sources §2). Success answers carry no Code.
import { z } from 'zod';
import type { PopRpc } from './rpc';
import { bool, num, popEnvelope, wrapped } from './schemas';
import { collect, type Page } from './alikafka';

const recordVO = z.looseObject({
  RecordId: z.union([z.string(), z.number()]).transform(String),
  DomainName: z.string(),
  RR: z.string(),
  Type: z.string(),
  Value: z.string(),
  TTL: num,
  Line: z.string().optional(),
  Status: z.string().optional(),
  Locked: bool.optional(),
  Priority: num.optional(),
  Weight: num.optional(),
  Remark: z.string().optional(),
});
export type DnsRecord = z.output<typeof recordVO>;

const subDomainRecordsResponse = popEnvelope.extend({
  TotalCount: num,
  PageNumber: num,
  PageSize: num,
  DomainRecords: wrapped('Record', recordVO),
});
// DescribeDomainRecordInfo's official model has no Weight (only the listed records of DescribeSubDomainRecords do).
const { Weight: _weight, ...recordInfoShape } = recordVO.shape;
const recordInfoResponse = popEnvelope.extend(recordInfoShape).extend({
  DomainId: z.string().optional(),
  PunyCode: z.string().optional(),
  GroupId: z.string().optional(),
  GroupName: z.string().optional(),
});
export type DnsRecordInfo = z.output<typeof recordInfoResponse>;
const recordIdResponse = popEnvelope.extend({ RecordId: z.union([z.string(), z.number()]).transform(String) });

export type DnsRecordType =
  'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX' | 'NS' | 'SRV' | 'CAA' | 'REDIRECT_URL' | 'FORWARD_URL';

export interface DnsRecordInput {
  rr: string;
  type: DnsRecordType;
  value: string;
  /** Seconds; the API defaults to 600 when omitted, so pass it explicitly to keep a short drill TTL. */
  ttl?: number;
  line?: string;
  priority?: number;
}

export class AlidnsClient {
  constructor(private readonly rpc: PopRpc) {}

  async describeSubDomainRecords(opts: {
    subDomain: string;
    domainName?: string;
    type?: DnsRecordType;
    line?: string;
    pageNumber?: number;
    pageSize?: number;
  }): Promise<Page<DnsRecord>> {
    const res = await this.rpc.call(
      'DescribeSubDomainRecords',
      {
        SubDomain: opts.subDomain,
        DomainName: opts.domainName,
        Type: opts.type,
        Line: opts.line,
        PageNumber: opts.pageNumber,
        PageSize: opts.pageSize,
      },
      subDomainRecordsResponse,
    );
    return { total: res.TotalCount, currentPage: res.PageNumber, pageSize: res.PageSize, items: res.DomainRecords };
  }

  /** All records of a full name (every page). */
  async listSubDomainRecords(opts: {
    subDomain: string;
    domainName?: string;
    type?: DnsRecordType;
  }): Promise<DnsRecord[]> {
    return collect(
      (pageNumber) => this.describeSubDomainRecords({ ...opts, pageNumber, pageSize: 100 }),
      (r) => r.RecordId,
    );
  }

  async describeDomainRecordInfo(recordId: string): Promise<DnsRecordInfo> {
    return this.rpc.call('DescribeDomainRecordInfo', { RecordId: recordId }, recordInfoResponse);
  }

  async addDomainRecord(domainName: string, record: DnsRecordInput): Promise<string> {
    const res = await this.rpc.call(
      'AddDomainRecord',
      {
        DomainName: domainName,
        RR: record.rr,
        Type: record.type,
        Value: record.value,
        TTL: record.ttl,
        Line: record.line,
        Priority: record.priority,
      },
      recordIdResponse,
    );
    return res.RecordId;
  }

  /** Deletes one record; DomainRecordNotBelongToUser when it does not exist (already deleted). */
  async deleteDomainRecord(recordId: string): Promise<string> {
    const res = await this.rpc.call('DeleteDomainRecord', { RecordId: recordId }, recordIdResponse);
    return res.RecordId;
  }

  /** Answers DomainRecordDuplicate when nothing would change: read first to stay idempotent. */
  async updateDomainRecord(recordId: string, record: DnsRecordInput): Promise<string> {
    const res = await this.rpc.call(
      'UpdateDomainRecord',
      {
        RecordId: recordId,
        RR: record.rr,
        Type: record.type,
        Value: record.value,
        TTL: record.ttl,
        Line: record.line,
        Priority: record.priority,
      },
      recordIdResponse,
    );
    return res.RecordId;
  }
}
