// Encoder and decoder for the compact (flexible-version, KIP-482) wire types kafkajs 2.2.4 has no codec for.

export class Writer {
  private readonly parts: Buffer[] = [];
  private push(size: number, write: (b: Buffer) => void): this {
    const b = Buffer.alloc(size);
    write(b);
    this.parts.push(b);
    return this;
  }
  int8(v: number): this {
    return this.push(1, (b) => b.writeInt8(v));
  }
  int16(v: number): this {
    return this.push(2, (b) => b.writeInt16BE(v));
  }
  int32(v: number): this {
    return this.push(4, (b) => b.writeInt32BE(v));
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  uvarint(v: number): this {
    const bytes: number[] = [];
    let n = v >>> 0;
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  compactString(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.uvarint(b.length + 1);
    this.parts.push(b);
    return this;
  }
  compactBytes(b: Buffer): this {
    this.uvarint(b.length + 1);
    this.parts.push(b);
    return this;
  }
  compactNullableString(s: string | null): this {
    return s === null ? this.uvarint(0) : this.compactString(s);
  }
  compactArray<T>(items: readonly T[], each: (w: this, item: T) => void): this {
    this.uvarint(items.length + 1);
    for (const it of items) each(this, it);
    return this;
  }
  tags(): this {
    return this.uvarint(0);
  }
  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): number {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return Number(v);
  }
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + n - 1);
    this.pos += n - 1;
    return s;
  }
  compactString(): string {
    return this.compactNullableString() ?? '';
  }
  compactArray<T>(each: () => T): T[] {
    const n = this.uvarint();
    const out: T[] = [];
    for (let i = 0; i < n - 1; i++) out.push(each());
    return out;
  }
  tags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.pos += this.uvarint();
    }
  }
}
