// The few Kafka Connect REST calls the EventBridge emulator needs.
export interface ConnectorStatus {
  name: string;
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

export class ConnectRestError extends Error {
  override name = 'ConnectRestError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class ConnectRest {
  constructor(private readonly baseUrl: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    if (res.status >= 400 && res.status !== 404) {
      const msg = (json as { message?: string })?.message ?? text;
      throw new ConnectRestError(`Kafka Connect ${method} ${path}: HTTP ${res.status} ${msg}`, res.status);
    }
    return { status: res.status, json };
  }

  async putConfig(name: string, config: Record<string, string>): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    const r = await this.call('GET', `/connectors/${encodeURIComponent(name)}/status`);
    return r.status === 404 ? undefined : (r.json as ConnectorStatus);
  }

  async pause(name: string): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(name)}/pause`);
  }
  async resume(name: string): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(name)}/resume`);
  }
  async restartFailed(name: string): Promise<void> {
    await this.call('POST', `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
  }
  async remove(name: string): Promise<void> {
    await this.call('DELETE', `/connectors/${encodeURIComponent(name)}`);
  }

  /** Source offsets the connector has committed (Kafka 3.5+, KIP-875). */
  async offsets(name: string): Promise<{ partition: Record<string, unknown>; offset: Record<string, unknown> }[]> {
    const r = await this.call('GET', `/connectors/${encodeURIComponent(name)}/offsets`);
    if (r.status === 404) return [];
    return (
      (r.json as { offsets?: { partition: Record<string, unknown>; offset: Record<string, unknown> }[] })?.offsets ?? []
    );
  }
}
