/** Fixed secrets for tests only (never used by `npm start`, which generates its own). */
export const TEST_SECRETS = {
  TICKET_SECRET: "test-ticket-secret-0123456789abcdef",
  PASS_SECRET: "test-pass-secret-0123456789abcdef",
  OPERATOR_TOKEN: "test-operator-token-0123456789",
};
