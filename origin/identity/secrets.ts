/**
 * Keyed protection for resident numbers and one-time codes (PIPA art. 24-2: stored encrypted):
 *   rrnHash     HMAC-SHA256 with RRN_HMAC_KEY: finds the same person again, cannot be reversed
 *   rrnCipher   AES-256-GCM with a key derived from RRN_ENC_KEY, random 96-bit IV: recovery when required
 *   codeHash    HMAC-SHA256 with SESSION_SECRET over the challenge id and the code: the code itself is
 *               never stored
 * Keys are imported once per process.
 */
import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";

const enc = new TextEncoder();
const b64 = (buf: ArrayBufferLike) => encodeBase64Url(buf).replace(/=+$/, "");

export interface IdentitySecrets {
  rrnHmacKey: string;
  rrnEncKey: string;
  sessionSecret: string;
}

export interface IdentityKeys {
  hashRrn(digits: string): Promise<string>;
  encryptRrn(digits: string): Promise<string>;
  decryptRrn(cipher: string): Promise<string>;
  hashCode(challengeId: string, code: string): Promise<string>;
}

export async function identityKeys(secrets: IdentitySecrets): Promise<IdentityKeys> {
  const hmac = (secret: string) => crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const [rrnHmac, codeHmac] = await Promise.all([hmac(secrets.rrnHmacKey), hmac(`otp:${secrets.sessionSecret}`)]);
  const aesRaw = await crypto.subtle.digest("SHA-256", enc.encode(`rrn-enc:${secrets.rrnEncKey}`));
  const aes = await crypto.subtle.importKey("raw", aesRaw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  return {
    hashRrn: async (digits) => b64(await crypto.subtle.sign("HMAC", rrnHmac, enc.encode(digits))),
    async encryptRrn(digits) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, enc.encode(digits)));
      const out = new Uint8Array(iv.length + ct.length);
      out.set(iv);
      out.set(ct, iv.length);
      return b64(out.buffer);
    },
    async decryptRrn(cipher) {
      const bytes = decodeBase64Url(cipher);
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, aes, bytes.slice(12));
      return new TextDecoder().decode(plain);
    },
    hashCode: async (challengeId, code) => b64(await crypto.subtle.sign("HMAC", codeHmac, enc.encode(`${challengeId}:${code}`))),
  };
}
