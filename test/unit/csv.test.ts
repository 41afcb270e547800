import { describe, expect, it } from 'vitest';
import { toCsv } from '../../server/domain/csv';

describe('spreadsheet-safe CSV', () => {
  it('neutralises formulas, quotes what needs quoting and keeps numbers numeric', () => {
    const csv = toCsv([
      { location: '=HYPERLINK("http://x")', harm: -1.5, note: 'a, b' },
      { location: '@SUM(A1)', harm: 2, note: '+44 line\nbreak' },
      { location: 'On or near Bold Street', harm: 0, note: null },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'location,harm,note',
      `"'=HYPERLINK(""http://x"")",-1.5,"a, b"`,
      `'@SUM(A1),2,"'+44 line\nbreak"`,
      'On or near Bold Street,0,',
      '',
    ]);
  });
});
