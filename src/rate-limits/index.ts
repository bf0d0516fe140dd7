export { RateLimiter, clientAddressKey, type RateRule, type RateDecision } from './rate-limiter.ts';
export { LoginThrottleService, type ThrottleSettings } from './login-throttle.ts';
export { RateLimitCounter } from './rate-limit-counter.entity.ts';
export { LoginThrottle } from './login-throttle.entity.ts';
