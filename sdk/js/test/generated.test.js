// The generated data files must come from the sources the Go code uses at
// the versions go.mod requires; otherwise the SDK silently disagrees with Go.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generate, csvPath, outPath } from '../scripts/gen-banks.js';
import * as oldPrefixGen from '../scripts/gen-oldprefixes.js';

const goMod = readFileSync(fileURLToPath(new URL('../../../go.mod', import.meta.url)), 'utf8');

function goModVersion(path) {
  const m = goMod.match(new RegExp(`^\\s*(?:require\\s+)?${path.replace(/\./g, '\\.')}\\s+(v\\S+)`, 'm'));
  assert.ok(m, `go.mod does not require ${path}`);
  return m[1];
}

function firstLine(rel) {
  return readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8').split('\n')[0];
}

test('src/banks.js is generated from the current indicators/banks.csv', () => {
  const want = generate(readFileSync(csvPath, 'utf8'));
  assert.ok(readFileSync(outPath, 'utf8') === want, 'src/banks.js is stale: run npm run gen-banks');
});

test('src/oldprefixdata.js is generated from the current indicators/oldprefixes.csv', () => {
  const want = oldPrefixGen.generate(readFileSync(oldPrefixGen.csvPath, 'utf8'));
  assert.ok(readFileSync(oldPrefixGen.outPath, 'utf8') === want, 'src/oldprefixdata.js is stale: run npm run gen-oldprefixes');
});

test('gen-oldprefixes refuses a table without its header', () => {
  assert.throws(() => oldPrefixGen.generate('# note\nold,new\n0166,036\n'), /header old,new,carrier/);
  assert.match(oldPrefixGen.generate('# note\r\nold,new,carrier\r\n0166,036,Viettel\r\n'), /\["0166","036","Viettel"\]/);
});

test('src/psldata.js is the golang.org/x/net version go.mod requires', () => {
  const v = goModVersion('golang.org/x/net');
  assert.match(firstLine('../src/psldata.js'), new RegExp(` golang\\.org/x/net ${v.replace(/\./g, '\\.')} `),
    `src/psldata.js is not from golang.org/x/net ${v}: run npm run gen-psl`);
});

test('src/phonelengths.js is the nyaruka/phonenumbers version go.mod requires', () => {
  const v = goModVersion('github.com/nyaruka/phonenumbers');
  assert.match(firstLine('../src/phonelengths.js'), new RegExp(` ${v.replace(/\./g, '\\.')} metadata`),
    `src/phonelengths.js is not from phonenumbers ${v}: run go run ./sdk/js/scripts/gen-phone-lengths.go`);
});
