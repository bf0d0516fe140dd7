import { RateLimitCounter } from './rate-limit-counter.entity.ts';
import { LoginThrottle } from './login-throttle.entity.ts';
export { RateLimiter, clientAddressKey, type RateRule, type RateDecision } from './rate-limiter.ts';
export { LoginThrottleService, type ThrottleSettings } from './login-throttle.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [RateLimitCounter, LoginThrottle];
