/**
 * Where one-time codes go. A real identity provider (a carrier's PASS service, an SMS gateway) implements
 * `IdentityProvider`; in development the codes are kept in memory so the demo and tests can read them
 * (`GET /api/dev/otp?phone=...`, which exists only in development and test mode).
 */
export interface IdentityProvider {
  sendCode(phone: string, code: string): Promise<void>;
}

export class DevIdentityProvider implements IdentityProvider {
  private readonly codes = new Map<string, { code: string; sentAt: number }>();

  async sendCode(phone: string, code: string): Promise<void> {
    this.codes.set(phone, { code, sentAt: Date.now() });
  }

  lastCode(phone: string): string | undefined {
    return this.codes.get(phone)?.code;
  }
}
