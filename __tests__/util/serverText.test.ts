import { Redactor } from '../../lib/util/Redactor';
import { serverText } from '../../lib/util/serverText';

const SECRET = 'Sup3r-S3cret';
const redactor = new Redactor().add(SECRET);

describe('serverText', () => {
  it('redacts secrets', () => {
    expect(serverText(`echo: ${SECRET}`, redactor, 100)).toBe('echo: [REDACTED]');
  });

  it('turns each run of control characters, C0, DEL and C1 alike, into one space', () => {
    expect(serverText('a\r\n\tb\u007fc\u0080\u009fd\u0000e', redactor, 100)).toBe('a b c d e');
  });

  it('keeps printable characters just outside the control ranges', () => {
    expect(serverText(' !~\u00a0é', redactor, 100)).toBe('!~\u00a0é');
  });

  it('trims spaces and control characters at both ends', () => {
    expect(serverText('\n  text \u0007 ', redactor, 100)).toBe('text');
  });

  describe('the length limit', () => {
    it('keeps text of exactly max characters whole', () => {
      expect(serverText('abcde', redactor, 5)).toBe('abcde');
    });

    it('cuts text of max + 1 characters after max, with an ellipsis', () => {
      expect(serverText('abcdef', redactor, 5)).toBe('abcde…');
    });

    it('counts the text after trimming', () => {
      expect(serverText('  abcde  ', redactor, 5)).toBe('abcde');
    });

    it('cuts after redacting, so a cut never leaves part of a secret', () => {
      expect(serverText(`xxxxx${SECRET}`, redactor, 10)).toBe('xxxxx[REDA…');
    });
  });
});
