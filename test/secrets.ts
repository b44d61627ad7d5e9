/** Fixed secrets for tests only (never used by `npm start`, which generates its own). */
export const TEST_SECRETS = {
  TICKET_SECRET: "test-ticket-secret-0123456789abcdef",
  PASS_SECRET: "test-pass-secret-0123456789abcdef",
  OPERATOR_TOKEN: "test-operator-token-0123456789",
};

/** The origin's own test secrets, as loadConfig expects them. */
export const ORIGIN_TEST_ENV = {
  PASS_SECRET: TEST_SECRETS.PASS_SECRET,
  RRN_HMAC_KEY: "test-rrn-hmac-key-0123456789abcdef0123",
  RRN_ENC_KEY: "test-rrn-enc-key-0123456789abcdef01234",
  SESSION_SECRET: "test-session-secret-0123456789abcdef012",
  OPERATOR_TOKEN: TEST_SECRETS.OPERATOR_TOKEN,
  // development mode: the development identity provider's codes are readable, as in the local demo
  APP_ENV: "development",
};

/** Production mode needs every notification gateway; these point at nothing (tests never send in it). */
export const PRODUCTION_ENV = {
  ...ORIGIN_TEST_ENV,
  APP_ENV: "production",
  NOTIFY_KAKAO_URL: "http://127.0.0.1:9/kakao",
  NOTIFY_NAVER_URL: "http://127.0.0.1:9/naver",
  NOTIFY_SMS_URL: "http://127.0.0.1:9/sms",
};
