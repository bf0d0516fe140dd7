import { defineEntity, p } from '@mikro-orm/core';

/**
 * Failed logins per login name (or per login name on a recognised device), keyed by HMAC. After a few
 * failures each further one pushes `blockedUntil` out, doubling up to a ceiling: slows guessing, never locks.
 */
export const LoginThrottleSchema = defineEntity({
  name: 'LoginThrottle',
  tableName: 'login_throttle',
  properties: {
    key: p.string().length(64).primary(),
    failures: p.integer(),
    blockedUntil: p.datetime().nullable(),
    updatedAt: p.datetime().index(),
  },
});

export class LoginThrottle extends LoginThrottleSchema.class {}
LoginThrottleSchema.setClass(LoginThrottle);
