import { defineEntity, p } from '@mikro-orm/core';

/**
 * A fixed-window counter (per IP, per account, …). The key is an HMAC of what it counts, so no addresses
 * or e-mail addresses are stored here.
 */
export const RateLimitCounterSchema = defineEntity({
  name: 'RateLimitCounter',
  tableName: 'rate_limit_counter',
  properties: {
    key: p.string().length(64).primary(),
    hits: p.integer(),
    windowEndsAt: p.datetime().index(),
  },
});

export class RateLimitCounter extends RateLimitCounterSchema.class {}
RateLimitCounterSchema.setClass(RateLimitCounter);
