// A CSV reader with the rules of Go's encoding/csv as indicators.LoadBanks
// uses it: RFC 4180 quoting, "" inside quotes, CRLF or LF line ends, blank
// lines skipped, a bare quote inside an unquoted field an error. Shared by
// the gen-banks script and BankTable.fromCSV so both read the table alike.

/**
 * Parses CSV text into records of fields, each record with its 1-based line.
 * @param {string} text
 * @returns {{fields: string[], line: number}[]}
 */
export function parseCSV(text) {
  const records = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    // Go's reader skips empty lines.
    if (text[i] === '\n') { i++; line++; continue; }
    if (text[i] === '\r' && text[i + 1] === '\n') { i += 2; line++; continue; }
    const start = line;
    const fields = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new Error(`line ${start}: extraneous or missing " in quoted-field`);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            break;
          }
          if (c === '\n') line++;
          if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
          field += c;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          throw new Error(`line ${line}: extraneous or missing " in quoted-field`);
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') throw new Error(`line ${line}: bare " in non-quoted-field`);
          field += text[i];
          i++;
        }
      }
      fields.push(field);
      if (i < n && text[i] === ',') { i++; continue; }
      if (i < n && text[i] === '\r') i++;
      if (i < n && text[i] === '\n') { i++; line++; }
      break;
    }
    records.push({ fields, line: start });
  }
  return records;
}
