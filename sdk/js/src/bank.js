// A bank account's key is the bank's NAPAS BIN and the account digits, as
// indicators/bank.go builds it (read its header for the rules):
//
//   bank "Ngân hàng Ngoại thương", account "0011 0043 53201"
//     → bank name folded to "nganhangngoaithuong" → core "ngoaithuong" → VCB, BIN 970436
//     → account digits "0011004353201" (leading zeros kept)
//     → key "bank_account:970436:0011004353201"
//
// The bank table is indicators/banks.csv, converted to src/banks.js by
// `npm run gen-banks`; BankTable validates it the way Go's LoadBanks does.

import { bankRecords } from './banks.js';
import { parseCSV } from './csv.js';
import { inputErr, Codes } from './errors.js';
import {
  isDigit, isLetter, isMn, isPd, isPhoneSpace, fieldsFunc, trimFunc, trimSpace, unicodeDigit, utf8Len, truncate, MaxInputLen,
} from './text.js';

const minAccountDigits = 6;
const maxAccountDigits = 19;
const ambiguousBank = -1;
const minCoreLen = 3;
const maxBankWords = 12;
const maxBankTextWords = 40;
const maxFoldedNameLen = 96;

const bankHeader = ['bin', 'code', 'short_name', 'name_vi', 'name_en', 'aliases', 'website'];

/**
 * @typedef {object} Bank
 * @property {string} bin NAPAS bank identification number, 6 digits
 * @property {string} code VietQR code, e.g. "VCB"
 * @property {string} shortName short brand name, e.g. "Vietcombank"
 * @property {string} nameVI full Vietnamese name
 * @property {string} nameEN full English name
 * @property {string[]} aliases other names people type
 * @property {string} website official site, "" when unsure
 */

/**
 * BankTable resolves the many names of Vietnamese banks to their BIN. It is
 * immutable once built.
 */
export class BankTable {
  /**
   * Builds a table from CSV records (header first), validating them as Go's
   * LoadBanks does. Throws an Error naming the line on a bad table.
   * @param {string[][]} records
   */
  constructor(records) {
    /** @type {Bank[]} */
    this.banks = [];
    this.byBIN = new Map();
    this.byName = new Map();
    this.byCore = new Map();
    if (records.length === 0) throw new Error('bank table header: EOF');
    const header = records[0].slice();
    if (header.length !== bankHeader.length) throw new Error('bank table header: record on line 1: wrong number of fields');
    header[0] = header[0].replace(/^\ufeff/, '');
    if (header.join(',') !== bankHeader.join(',')) {
      throw new Error(`bank table line 1: header is ${JSON.stringify(header)}, want ${JSON.stringify(bankHeader)}`);
    }
    for (let i = 1; i < records.length; i++) {
      const rec = records[i];
      const line = rec.line ?? i + 1;
      const fields = rec.fields ?? rec;
      if (fields.length !== bankHeader.length) throw new Error(`bank table: line ${line}: wrong number of fields`);
      try {
        this.#add(fields);
      } catch (err) {
        throw new Error(`bank table line ${line}: ${err.message}`);
      }
    }
    if (this.banks.length === 0) throw new Error('bank table has no banks');
    this.#indexCores();
    Object.freeze(this);
  }

  /**
   * Reads a bank table in CSV with the header
   * bin,code,short_name,name_vi,name_en,aliases,website.
   * @param {string} text
   * @returns {BankTable}
   */
  static fromCSV(text) {
    const recs = parseCSV(text);
    if (recs.length === 0) throw new Error('bank table header: EOF');
    return new BankTable([recs[0].fields, ...recs.slice(1)]);
  }

  #add(rec) {
    rec = rec.map(trimSpace);
    const b = { bin: rec[0], code: rec[1], shortName: rec[2], nameVI: rec[3], nameEN: rec[4], aliases: [], website: rec[6] };
    if (!/^[0-9]{6}$/.test(b.bin)) throw new Error(`BIN "${b.bin}" is not 6 digits`);
    if (b.code === '' || b.shortName === '' || b.nameVI === '') {
      throw new Error(`BIN ${b.bin}: code, short_name and name_vi are required`);
    }
    if (this.byBIN.has(b.bin)) throw new Error(`BIN ${b.bin} already belongs to ${this.banks[this.byBIN.get(b.bin)].code}`);
    for (let a of rec[5].split('|')) {
      a = trimSpace(a);
      if (a !== '') b.aliases.push(a);
    }
    Object.freeze(b.aliases);
    const idx = this.banks.length;
    for (const name of bankNames(b)) {
      const f = foldName(name);
      if (f === '') throw new Error(`BIN ${b.bin}: name "${name}" has no letters or digits`);
      const j = this.byName.get(f);
      if (j !== undefined && j !== idx) {
        throw new Error(`BIN ${b.bin}: name "${name}" is already a name of ${this.banks[j].code} (${this.banks[j].bin})`);
      }
      this.byName.set(f, idx);
    }
    this.byBIN.set(b.bin, idx);
    this.banks.push(Object.freeze(b));
  }

  #indexCores() {
    this.banks.forEach((b, i) => {
      for (const name of bankNames(b)) {
        const core = stripCommonWords(foldWords(name)).join('');
        if (utf8Len(core) < minCoreLen) continue;
        const j = this.byName.get(core);
        if (j !== undefined && j !== i) continue;
        const k = this.byCore.get(core);
        if (k !== undefined && k !== i) {
          this.byCore.set(core, ambiguousBank);
          continue;
        }
        this.byCore.set(core, i);
      }
    });
  }

  /**
   * Finds the bank that s names: BIN, code, short name, English or
   * Vietnamese name or alias, in any case, with or without diacritics.
   * @param {string} s
   * @returns {Bank | undefined}
   */
  lookup(s) {
    if (utf8Len(s) > MaxInputLen) return undefined;
    const i = this.lookupWords(foldWords(s));
    return i === undefined ? undefined : this.banks[i];
  }

  /** Resolves a name already folded into words to a bank index. @internal */
  lookupWords(words) {
    if (words.length === 0) return undefined;
    const full = words.join('');
    let i = this.byName.get(full);
    if (i !== undefined) return i;
    i = this.byCore.get(full);
    if (i !== undefined) return i === ambiguousBank ? undefined : i;
    const stripped = stripCommonWords(words);
    if (stripped.length === words.length || stripped.length === 0) return undefined;
    const core = stripped.join('');
    i = this.byName.get(core);
    if (i !== undefined) return i;
    i = this.byCore.get(core);
    if (i !== undefined) return i === ambiguousBank ? undefined : i;
    return undefined;
  }

  /**
   * @param {string} bin
   * @returns {Bank | undefined}
   */
  byBINCode(bin) {
    const i = this.byBIN.get(bin);
    return i === undefined ? undefined : this.banks[i];
  }

  /** @returns {Bank[]} every bank in table order */
  all() {
    return this.banks.slice();
  }

  /** The banks named in a run of folded words, longest windows first. @internal */
  matchWords(words) {
    const found = [];
    const used = new Array(words.length).fill(false);
    for (let size = Math.min(words.length, maxBankWords); size >= 1; size--) {
      windows: for (let start = 0; start + size <= words.length; start++) {
        for (let k = start; k < start + size; k++) if (used[k]) continue windows;
        const win = words.slice(start, start + size);
        if (win.reduce((n, w) => n + utf8Len(w), 0) > maxFoldedNameLen) continue;
        const i = this.lookupWords(win);
        if (i === undefined) continue;
        for (let k = start; k < start + size; k++) used[k] = true;
        if (!found.includes(i)) found.push(i);
      }
    }
    return found;
  }
}

function bankNames(b) {
  const names = [b.bin, b.code, b.shortName, b.nameVI];
  if (b.nameEN !== '') names.push(b.nameEN);
  return names.concat(b.aliases);
}

let embedded;
let current;

/** The bank table shipped with the SDK (indicators/banks.csv). */
export function embeddedBanks() {
  embedded ??= new BankTable(bankRecords);
  return embedded;
}

/**
 * Returns the table normalizeBankAccount and parseBankAccount use.
 * @returns {BankTable}
 */
export function defaultBanks() {
  return current ?? embeddedBanks();
}

/**
 * Replaces the table the package-level functions use; undefined restores
 * the embedded one.
 * @param {BankTable | undefined} t
 */
export function setBanks(t) {
  current = t;
}

/**
 * Returns "bank_account:<BIN>:<digits>" for a bank named in any form lookup
 * accepts and an account number with spaces, dots, dashes or full-width
 * digits. Leading zeros are kept.
 * @param {string} bank
 * @param {string} account
 * @returns {string}
 * @throws {InputError} missing_bank, unknown_bank, empty_input, invalid_account, input_too_long
 */
export function normalizeBankAccount(bank, account) {
  if (utf8Len(bank) > MaxInputLen || utf8Len(account) > MaxInputLen) {
    throw inputErr(Codes.tooLong, `input longer than ${MaxInputLen} bytes`);
  }
  if (trimFunc(bank, isPhoneSpace) === '') throw inputErr(Codes.missingBank, 'no bank given');
  const b = defaultBanks().lookup(bank);
  if (b === undefined) throw inputErr(Codes.unknownBank, `unknown bank "${truncate(bank, 80)}"`);
  return `bank_account:${b.bin}:${cleanAccount(account)}`;
}

/** cleanAccount maps an account number to ASCII digits. */
function cleanAccount(s) {
  s = trimFunc(s, isPhoneSpace);
  if (s === '') throw inputErr(Codes.empty, 'no account number given');
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0);
    let d;
    if (r >= 0x30 && r <= 0x39) {
      d = ch;
    } else if (r === 0x2e || r === 0x2d || isPhoneSpace(r) || (r >= 0x80 && isPd(r))) {
      continue;
    } else {
      const v = unicodeDigit(r);
      if (v < 0) {
        if (isLetter(r)) throw inputErr(Codes.invalidAccount, 'an account number has only digits');
        throw inputErr(Codes.invalidAccount, `unexpected '${ch}' in an account number`);
      }
      d = String(v);
    }
    if (out.length === maxAccountDigits) {
      throw inputErr(Codes.invalidAccount, `an account number has at most ${maxAccountDigits} digits`);
    }
    out += d;
  }
  if (out.length < minAccountDigits) {
    throw inputErr(Codes.invalidAccount, `an account number has at least ${minAccountDigits} digits`);
  }
  return out;
}

/**
 * Finds a bank and an account number in free text ("VCB 0011004353201",
 * "STK 0011004353201 ngân hàng Vietcombank", "970436:0011004353201", a key)
 * and returns the key.
 * @param {string} s
 * @returns {string}
 * @throws {InputError} invalid_account, missing_bank, unknown_bank, empty_input, input_too_long
 */
export function parseBankAccount(s) {
  const { bank, account } = splitBankAccount(s);
  return `bank_account:${bank.bin}:${account}`;
}

/**
 * parseBankAccount's parts: the bank the text names and the account digits.
 * @param {string} s
 * @returns {{bank: Bank, account: string}}
 * @throws {InputError} as parseBankAccount
 */
export function splitBankAccount(s) {
  if (utf8Len(s) > MaxInputLen) throw inputErr(Codes.tooLong, `input longer than ${MaxInputLen} bytes`);
  s = trimFunc(s, isPhoneSpace);
  if (s === '') throw inputErr(Codes.empty, 'nothing to check');
  const table = defaultBanks();
  const kv = keyValueForm(s);
  if (kv !== null) {
    const k = normalizeBankAccount(kv.bin, kv.acct);
    return { bank: table.byBINCode(kv.bin), account: k.slice('bank_account:'.length + kv.bin.length + 1) };
  }
  const items = scanBankText(s);

  let named = -1;
  for (const it of items) {
    if (it.words === undefined) continue;
    for (const i of table.matchWords(it.words)) {
      if (named >= 0 && named !== i) {
        throw inputErr(Codes.unknownBank, `the text names two banks (${table.banks[named].shortName} and ${table.banks[i].shortName})`);
      }
      named = i;
    }
  }

  const accounts = [];
  let binBank = -1;
  let tooLong = false;
  for (const it of items) {
    if (it.groups === undefined) continue;
    const [acct, bin] = splitNumberRun(table, it.groups, named);
    if (acct === '' && bin >= 0) {
      binBank = bin;
    } else if (acct === '') {
      tooLong = tooLong || it.groups.join('').length > maxAccountDigits;
    } else {
      accounts.push(acct);
      if (bin >= 0) {
        if (binBank >= 0 && binBank !== bin) throw inputErr(Codes.unknownBank, 'the text names two banks by BIN');
        binBank = bin;
      }
    }
  }
  if (accounts.length === 0 && binBank >= 0) {
    accounts.push(table.banks[binBank].bin);
    binBank = -1;
  }
  if (accounts.length === 0 && tooLong) {
    throw inputErr(Codes.invalidAccount, `an account number has at most ${maxAccountDigits} digits`);
  }
  if (accounts.length === 0) {
    throw inputErr(Codes.invalidAccount, `no account number of ${minAccountDigits} to ${maxAccountDigits} digits`);
  }
  if (accounts.length > 1) throw inputErr(Codes.invalidAccount, 'more than one number could be the account');
  let bank = named;
  if (bank < 0) {
    bank = binBank;
  } else if (binBank >= 0 && binBank !== bank) {
    throw inputErr(Codes.unknownBank, 'the bank name and the BIN name different banks');
  }
  if (bank < 0) throw inputErr(Codes.missingBank, 'no known bank named');
  return { bank: table.banks[bank], account: accounts[0] };
}

/** keyValueForm recognises "<BIN>:<account>", optionally after "bank_account:". */
function keyValueForm(s) {
  const kind = 'bank_account:';
  if (s.length >= kind.length && asciiLower(s.slice(0, kind.length)) === kind) s = s.slice(kind.length);
  if (s.length < 8 || s[6] !== ':' || !/^[0-9]{6}$/.test(s.slice(0, 6))) return null;
  return { bin: s.slice(0, 6), acct: s.slice(7) };
}

/** Lower-cases A-Z only, so that no other character can fold into ASCII (Go's EqualFold on bytes). */
function asciiLower(s) {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * splitNumberRun reads one run of digit groups: the account digits ("" when
 * the run is not 6–19 digits) and the index of the bank whose BIN is the
 * run's first or last group, or -1.
 */
function splitNumberRun(t, groups, named) {
  const total = groups.join('').length;
  if (groups.length === 1 && total === 6) {
    const i = t.byBIN.get(groups[0]);
    if (i !== undefined) return ['', i];
  }
  if (groups.length > 1) {
    for (const end of [0, groups.length - 1]) {
      const i = t.byBIN.get(groups[end]);
      if (i === undefined || (named >= 0 && named !== i)) continue;
      const rest = total - 6;
      if (rest < minAccountDigits || rest > maxAccountDigits) continue;
      if (end === 0) return [groups.slice(1).join(''), i];
      return [groups.slice(0, end).join(''), i];
    }
  }
  if (total < minAccountDigits || total > maxAccountDigits) return ['', -1];
  return [groups.join(''), -1];
}

const bankTextSeparators = new Set([...':,;|/()[]{}"\'“”：，'].map((c) => c.codePointAt(0)));

function isBankTextSeparator(r) {
  return bankTextSeparators.has(r) || isPhoneSpace(r);
}

/**
 * scanBankText splits free text into runs of folded words and runs of
 * digit groups (see indicators/bank.go scanBankText).
 */
function scanBankText(s) {
  const items = [];
  let nwords = 0;
  const addWords = (tok) => {
    const ws = foldWords(tok);
    if (ws.length === 0) return;
    nwords += ws.length;
    if (nwords > maxBankTextWords) throw inputErr(Codes.invalidAccount, 'too many words around the account number');
    const last = items[items.length - 1];
    if (last !== undefined && last.words !== undefined) last.words.push(...ws);
    else items.push({ words: ws });
  };
  const addGroup = (tok) => {
    let digits = '';
    for (const ch of tok) {
      const r = ch.codePointAt(0);
      if (r >= 0x30 && r <= 0x39) digits += ch;
      else {
        const d = unicodeDigit(r);
        if (d >= 0) digits += String(d);
      }
    }
    const last = items[items.length - 1];
    if (last !== undefined && last.groups !== undefined) last.groups.push(digits);
    else items.push({ groups: [digits] });
  };
  for (const tok of fieldsFunc(s, isBankTextSeparator)) {
    let letters = 0;
    let digits = 0;
    let firstDigit = -1;
    let lastLetter = -1;
    let lastDigit = -1;
    let firstLetter = -1;
    for (let i = 0; i < tok.length; ) {
      const r = tok.codePointAt(i);
      if ((r >= 0x30 && r <= 0x39) || (r >= 0x80 && isDigit(r))) {
        digits++;
        lastDigit = i;
        if (firstDigit < 0) firstDigit = i;
      } else if (isLetter(r)) {
        letters++;
        lastLetter = i;
        if (firstLetter < 0) firstLetter = i;
      }
      i += r > 0xffff ? 2 : 1;
    }
    if (digits === 0 && letters === 0) {
      // Punctuation alone joins rather than splits.
    } else if (letters === 0) {
      addGroup(tok);
    } else if (digits === 0) {
      addWords(tok);
    } else if (lastLetter < firstDigit) {
      addWords(tok.slice(0, firstDigit));
      addGroup(tok.slice(firstDigit));
    } else if (lastDigit < firstLetter) {
      addGroup(tok.slice(0, firstLetter));
      addWords(tok.slice(firstLetter));
    } else if (digits >= minAccountDigits) {
      throw inputErr(Codes.invalidAccount, 'letters inside an account number');
    } else {
      addWords(tok);
    }
  }
  return items;
}

/** foldName: lower case, no diacritics, đ→d, letters and digits only. */
function foldName(s) {
  return foldWords(s).join('');
}

/**
 * foldWords splits s into folded words. NFKD separates diacritics from
 * their letters and maps full-width and other compatibility forms.
 */
export function foldWords(s) {
  const words = [];
  let w = '';
  const flush = () => {
    if (w !== '') {
      words.push(w);
      w = '';
    }
  };
  if (/[^\x00-\x7f]/.test(s)) s = s.normalize('NFKD');
  for (const ch of s) {
    const r = ch.codePointAt(0);
    if ((r >= 0x61 && r <= 0x7a) || (r >= 0x30 && r <= 0x39)) {
      w += ch;
    } else if (r >= 0x41 && r <= 0x5a) {
      w += String.fromCharCode(r + 0x20);
    } else if (r < 0x80) {
      flush();
    } else if (isMn(r)) {
      // A diacritic separated by NFKD: dropped, the word goes on.
    } else if (r === 0x111 || r === 0x110) {
      w += 'd';
    } else if (isLetter(r)) {
      w += simpleLower(ch);
    } else {
      const d = unicodeDigit(r);
      if (d >= 0) w += String(d);
      else flush();
    }
  }
  flush();
  return words;
}

/** unicode.ToLower of one code point: the simple mapping, one code point out. */
function simpleLower(ch) {
  if (ch === '\u0130') return 'i';
  const l = ch.toLowerCase();
  return [...l].length === 1 ? l : ch;
}

const commonLeadingWords = [
  ['mot', 'thanh', 'vien'], ['thuong', 'mai'], ['ngan', 'hang'], ['co', 'phan'],
  ['nh'], ['tmcp'], ['tnhh'], ['mtv'], ['so'],
];
const commonTrailingWords = [
  ['commercial', 'joint', 'stock', 'bank'], ['joint', 'stock', 'commercial', 'bank'],
  ['commercial', 'bank'], ['viet', 'nam'], ['vietnam'], ['vn'], ['bank'], ['ltd'],
];

function startsWithWords(words, p) {
  return words.length > p.length && p.every((w, i) => words[i] === w);
}

function endsWithWords(words, p) {
  const off = words.length - p.length;
  return words.length > p.length && p.every((w, i) => words[off + i] === w);
}

/** stripCommonWords removes the words every bank's name shares from both ends. */
function stripCommonWords(words) {
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of commonLeadingWords) {
      if (startsWithWords(words, p)) {
        words = words.slice(p.length);
        changed = true;
      }
    }
    for (const p of commonTrailingWords) {
      if (endsWithWords(words, p)) {
        words = words.slice(0, words.length - p.length);
        changed = true;
      }
    }
  }
  return words;
}
