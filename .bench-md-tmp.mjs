import { Marked, Lexer } from 'marked';
const m = new Marked({ gfm: true, breaks: true });
const time = (label, f) => { const t = performance.now(); try { f(); } catch (e) { console.log(label, String(e).slice(0,60)); } console.log(label, (performance.now() - t).toFixed(0) + 'ms'); };
for (const n of [10000, 40000]) {
  const s = 'a' + ' '.repeat(n) + 'b';
  time('spaces block lex ' + n, () => new Lexer({gfm:true, breaks:true}).blockTokens(s, []));
  time('spaces inline lex ' + n, () => new Lexer({gfm:true, breaks:true}).inlineTokens(s, []));
  const s2 = 'a' + ' \t'.repeat(n) + 'b';
  time('spacetab full ' + n, () => m.parse(s2));
  const s3 = ('a' + ' '.repeat(100) + '\n').repeat(n/10);
  time('manyspacelines ' + n, () => m.parse(s3));
}
for (const n of [1000, 2000, 4000]) time('quotes ' + n, () => m.parse('> '.repeat(n)));
for (const n of [1000, 2000, 4000]) time('listnest ' + n, () => m.parse(Array.from({length:n}, (_, i) => ' '.repeat(i*2) + '- a').join('\n')));
for (const n of [1000, 4000]) time('quotelines ' + n, () => m.parse(Array.from({length:n}, (_, i) => '>'.repeat(i) + ' a').join('\n')));
