import { Marked } from 'marked';
import markedKatex from 'marked-katex-extension';
const m = new Marked({ gfm: true, breaks: true }, markedKatex({ throwOnError: false, nonStandard: true, strict: 'ignore' }));
const cases = {
  dollarEsc: n => '$x\\'.repeat(n),
  dollars: n => '$ '.repeat(n),
  dd: n => '$$a$ '.repeat(n),
  stars: n => '*'.repeat(n),
  starsA: n => '*a'.repeat(n),
  under: n => '_a'.repeat(n),
  brackets: n => '['.repeat(n),
  bracketsClosed: n => '[a]('.repeat(n),
  lt: n => '<'.repeat(n),
  ltA: n => '<a '.repeat(n),
  backticks: n => '`'.repeat(n),
  btA: n => '`a'.repeat(n),
  quotes: n => '> '.repeat(n),
  list: n => '- '.repeat(n),
  pipes: n => '|'.repeat(n) + '\n' + '|-'.repeat(n) + '\n',
  spaces: n => 'a' + ' '.repeat(n) + 'b',
  tildes: n => '~a'.repeat(n),
  blockMath: n => '$$\nx\n'.repeat(n),
  dollarNl: n => '$\n'.repeat(n),
  www: n => 'www.'.repeat(n),
  http: n => 'http://a'.repeat(n),
  emails: n => 'a@'.repeat(n),
  bang: n => '![a'.repeat(n),
  html: n => '<div>'.repeat(n),
  entity: n => '&'.repeat(n),
  nested: n => '['.repeat(n) + ']'.repeat(n),
  paren: n => '[a](' + '('.repeat(n),
};
for (const [name, f] of Object.entries(cases)) {
  for (const n of [2000, 8000]) {
    const s = f(n); const t = performance.now(); m.parse(s, { async: false }); const dt = performance.now() - t;
    console.log(name, n, s.length, dt.toFixed(0) + 'ms');
  }
}
