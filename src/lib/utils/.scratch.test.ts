// @vitest-environment jsdom
import { it } from 'vitest';
import { Marked } from 'marked';
import markedKatex from 'marked-katex-extension';
import DOMPurify from 'dompurify';
const cases: Record<string, (n: number) => string> = {
  dollars: n => '$ '.repeat(n),
  html: n => '<div>'.repeat(n),
  imgs: n => '![a](http://x/y) '.repeat(n),
  mathMany: n => '$x^2$ '.repeat(n),
  starsA: n => '*a'.repeat(n),
  spaces: n => 'a' + ' '.repeat(n) + 'b',
};
it('perf', () => {
  const m = new Marked({ gfm: true, breaks: true }, markedKatex({ throwOnError: false, nonStandard: true, strict: 'ignore' }));
  for (const [name, f] of Object.entries(cases)) {
    for (const n of [5000, 10000]) {
      try {const s = f(n); let t = performance.now(); const h = m.parse(s, {async: false}) as string; const t1 = performance.now() - t;
      t = performance.now(); const body = DOMPurify.sanitize(h, { RETURN_DOM: true }); const t2 = performance.now() - t;
      t = performance.now(); const imgs = (body as Element).querySelectorAll('img'); for (const i of Array.from(imgs)) i.replaceWith(document.createTextNode('x')); const out = (body as Element).innerHTML; const t3 = performance.now() - t;
      t = performance.now(); new DOMParser().parseFromString(h, 'text/html'); const t4 = performance.now() - t;
      console.log(name, n, 'marked', t1.toFixed(0), 'purify', t2.toFixed(0), 'post', t3.toFixed(0), 'parseonly', t4.toFixed(0), h.length, out.length);} catch (e) { console.log(name, n, 'marked', String(e)); }
    }
  }
}, 600000);
