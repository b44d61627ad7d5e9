/**
 * Where notifications go. Each channel (KakaoTalk 알림톡, Naver app, SMS) is an HTTP adapter that POSTs
 * `{id, channel, to, text}` as JSON to its gateway, with the message id also in `Idempotency-Key` so the
 * gateway can drop a repeat (the dispatcher delivers at least once). Without a configured endpoint, in
 * development and test, a channel delivers to the `DevSink`. What the sink received is read back from
 * the outbox rows it delivered (`sinkMessages` in outbox.ts, `GET /api/dev/messages`), so any origin
 * process answers for every process's deliveries; the sink's own list is this process's, for tests.
 */
export const CHANNELS = ["kakao", "naver", "sms"] as const;
export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: unknown): value is Channel {
  return typeof value === "string" && (CHANNELS as readonly string[]).includes(value);
}

export interface OutgoingMessage {
  /** the outbox row's id: the same for every attempt, for de-duplication */
  id: string;
  channel: Channel;
  /** mobile number, digits only */
  to: string;
  text: string;
}

export interface ChannelAdapter {
  /** resolves when the gateway accepted the message; throws (with a short reason) when it did not */
  send(message: OutgoingMessage): Promise<void>;
}

export class HttpChannel implements ChannelAdapter {
  constructor(
    private readonly endpoint: string,
    private readonly token?: string,
    private readonly timeoutMs = 5000,
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    const res = await fetch(this.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "idempotency-key": message.id,
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`${message.channel} gateway answered ${res.status}`);
  }
}

export class DevSink implements ChannelAdapter {
  /** what this process delivered, oldest first (the last 1,000) */
  readonly messages: (OutgoingMessage & { deliveredAt: string })[] = [];

  async send(message: OutgoingMessage): Promise<void> {
    this.messages.push({ ...message, deliveredAt: new Date().toISOString() });
    if (this.messages.length > 1000) this.messages.shift();
  }
}

export interface ChannelSettings {
  endpoints: Partial<Record<Channel, string>>;
  token?: string;
}

/** The channels that deliver to the development sink: those without a gateway endpoint. */
export function sinkChannels(settings: ChannelSettings): Channel[] {
  return CHANNELS.filter((ch) => !settings.endpoints[ch]);
}

/** An adapter per channel: the HTTP gateway when its endpoint is set, else the development sink. */
export function channelAdapters(settings: ChannelSettings, sink: DevSink): Record<Channel, ChannelAdapter> {
  const toSink = sinkChannels(settings);
  const pick = (ch: Channel) => (toSink.includes(ch) ? sink : new HttpChannel(settings.endpoints[ch]!, settings.token));
  return { kakao: pick("kakao"), naver: pick("naver"), sms: pick("sms") };
}
