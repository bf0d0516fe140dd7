import { encode } from 'uqr';

/** ISO/IEC 18004 asks for a quiet zone of four modules around the symbol; scanners need it. */
const QUIET_ZONE = 4;

/**
 * A QR code as inline SVG for pages under a strict CSP (`style-src 'self'`, no scripts): one `<path>` with
 * a `fill` presentation attribute (not a `style` attribute, which the CSP would block), no external
 * resources. Error correction M (15 %) keeps an otpauth URI small enough to scan from a screen.
 * `aria-hidden`: the page shows the same secret as text next to it, the accessible equivalent (WCAG 1.1.1).
 */
export function qrSvg(text: string, pixelsPerModule = 5): string {
  const { data, size } = encode(text, { ecc: 'M', border: QUIET_ZONE });
  let path = '';
  data.forEach((row, y) => {
    // One rectangle per horizontal run of dark modules keeps the path short.
    for (let x = 0; x < size; x += 1) {
      if (!row[x]) continue;
      let run = 1;
      while (row[x + run]) run += 1;
      path += `M${x} ${y}h${run}v1h-${run}z`;
      x += run - 1;
    }
  });
  const width = size * pixelsPerModule;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${width}" height="${width}" shape-rendering="crispEdges" aria-hidden="true" focusable="false">` +
    `<rect width="${size}" height="${size}" fill="#ffffff"/><path fill="#000000" d="${path}"/></svg>`
  );
}
