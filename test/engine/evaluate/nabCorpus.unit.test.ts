import { describe, expect, it } from 'vitest';
import { parseNabCsv, parseNabTime, windowRows } from '../../../engine/evaluate/nabCorpus';

describe('NAB corpus parsing', () => {
  it('reads timestamp,value rows as UTC, keeping the original text', () => {
    const p = parseNabCsv('timestamp,value\n2014-07-01 00:00:00,10844\n2014-07-01 00:30:00,8127.5\n', 'x.csv');
    expect(p.timestampText).toEqual(['2014-07-01 00:00:00', '2014-07-01 00:30:00']);
    expect(p.valueText).toEqual(['10844', '8127.5']);
    expect(Array.from(p.timesMs)).toEqual([Date.UTC(2014, 6, 1), Date.UTC(2014, 6, 1, 0, 30)]);
    expect(Array.from(p.values)).toEqual([10844, 8127.5]);
    expect(parseNabTime('2014-04-10 07:15:00.000000')).toBe(Date.UTC(2014, 3, 10, 7, 15));
  });

  it('names the file and row of a malformed line', () => {
    expect(() => parseNabCsv('time,value\n', 'a.csv')).toThrow(/a\.csv: expected header/);
    expect(() => parseNabCsv('timestamp,value\n2014-07-01 00:00:00,abc\n', 'b.csv')).toThrow(/b\.csv: row 1 has a non-numeric value/);
    expect(() => parseNabCsv('timestamp,value\n2014-07-01,1\n', 'c.csv')).toThrow(/c\.csv: row 1 has an unreadable timestamp/);
    expect(() => parseNabCsv('timestamp,value\n2014-07-01 00:00:00,1,2\n', 'd.csv')).toThrow(/d\.csv: row 1 has 3 fields/);
    expect(() => parseNabCsv('timestamp,value\n', 'e.csv')).toThrow(/e\.csv: no data rows/);
  });

  it('maps window limits to rows, first occurrence of a repeated timestamp as NAB does, and refuses unknown ones', () => {
    const times = Float64Array.from([0, 1000, 1000, 2000, 3000].map((s) => Date.UTC(2014, 0, 1) + s * 1000));
    const t = (s: number): string => new Date(Date.UTC(2014, 0, 1) + s * 1000).toISOString().replace('T', ' ').replace('Z', '000');
    expect(windowRows(times, [[t(1000), t(3000)]], 'k.csv')).toEqual([{ startRow: 1, endRow: 4 }]);
    expect(() => windowRows(times, [[t(1000), t(2500)]], 'k.csv')).toThrow(/window 0 of k\.csv names .* not a row/);
    expect(() => windowRows(times, 'oops', 'k.csv')).toThrow(/k\.csv/);
  });
});
