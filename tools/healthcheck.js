// Container healthcheck: exits 0 when the URL answers 2xx within 3 s (no curl in the image).
const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node tools/healthcheck.js URL\n');
  process.exit(2);
}
fetch(url, { signal: AbortSignal.timeout(3000) })
  .then((res) => process.exit(res.ok ? 0 : 1))
  .catch(() => process.exit(1));
