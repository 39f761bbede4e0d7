// A small Prometheus registry (text exposition format 0.0.4): gauges and histograms with labels, and gauges
// computed at scrape time (ages must grow between samples even when nothing new was observed).
// Spec: https://prometheus.io/docs/instrumenting/exposition_formats/
type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  render(now: number): string[];
}

export class Registry {
  private readonly families: Family[] = [];

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }

  /** A gauge whose samples are computed when scraped. */
  computed(name: string, help: string, collect: (now: number) => [Labels, number][]): void {
    this.add({
      name,
      help,
      type: 'gauge',
      render: (now) => collect(now).map(([labels, v]) => sample(name, labels, v)),
    });
  }

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  render(now = Date.now()): string {
    return (
      this.families
        .map((f) =>
          [
            `# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
            `# TYPE ${f.name} ${f.type}`,
            ...f.render(now),
          ].join('\n'),
        )
        .join('\n') + '\n'
    );
  }

  private add<F extends Family>(family: F): F {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
    if (this.families.some((f) => f.name === family.name)) throw new Error(`metric ${family.name} registered twice`);
    this.families.push(family);
    return family;
  }
}

export class Gauge implements Family {
  readonly type = 'gauge';
  private readonly values = new Map<string, [Labels, number]>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  set(labels: Labels, value: number): void {
    this.values.set(key(labels), [labels, value]);
  }

  /** Drops every series whose labels include `match` (e.g. the old health value of a pair). */
  remove(match: Labels): void {
    for (const [k, [labels]] of this.values)
      if (Object.entries(match).every(([l, v]) => labels[l] === v)) this.values.delete(k);
  }

  get(labels: Labels): number | undefined {
    return this.values.get(key(labels))?.[1];
  }

  render(): string[] {
    return [...this.values.values()].map(([labels, v]) => sample(this.name, labels, v));
  }
}

export class Counter implements Family {
  readonly type = 'counter';
  private readonly values = new Map<string, [Labels, number]>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels, by = 1): void {
    const k = key(labels);
    this.values.set(k, [labels, (this.values.get(k)?.[1] ?? 0) + by]);
  }

  render(): string[] {
    return [...this.values.values()].map(([labels, v]) => sample(this.name, labels, v));
  }
}

export class Histogram implements Family {
  readonly type = 'histogram';
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    return [...this.series.values()].flatMap((s) => [
      ...this.buckets.map((b, i) => sample(`${this.name}_bucket`, { ...s.labels, le: String(b) }, s.counts[i])),
      sample(`${this.name}_bucket`, { ...s.labels, le: '+Inf' }, s.count),
      sample(`${this.name}_sum`, s.labels, s.sum),
      sample(`${this.name}_count`, s.labels, s.count),
    ]);
  }
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function sample(name: string, labels: Labels, value: number): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
    .join(',');
  const v = Number.isNaN(value) ? 'NaN' : value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : String(value);
  return `${name}${l ? `{${l}}` : ''} ${v}`;
}
