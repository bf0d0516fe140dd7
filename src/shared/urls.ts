/** Host names that reach only this machine; plain http to them never crosses a network. */
export function isLoopbackHost(hostname: string): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
}

/** Whether Kontor is served over TLS (decides Secure cookies, HSTS and the __Host- prefix). */
export function usesHttps(issuer: string): boolean {
  return new URL(issuer).protocol === 'https:';
}
