import { CommandIo, main } from '../../src/replay/cli';
import { ImportError } from '../../src/replay/import';

/** Runs the command in process over in-memory files; returns a runner that collects output and written files. */
export function runIn(files: Record<string, string>, overrides: Partial<CommandIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const written: Record<string, string> = {};
  const io: CommandIo = {
    readFile: (file) => {
      if (!(file in files)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return files[file];
    },
    writeFile: (file, text) => {
      written[file] = typeof text === 'string' ? text : text.join('');
      files[file] = written[file];
    },
    checkWritable: (file) => {
      if (file.startsWith('/missing/')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    version: () => '1.2.3',
    aws: async () => { throw new ImportError('no AWS in this test'); },
    now: () => new Date(Date.UTC(2026, 10, 30)),
    ...overrides,
  };
  return async (args: string[]) => {
    out.length = 0;
    err.length = 0;
    const code = await main(args, io);
    return { code, stdout: out.join(''), stderr: err.join(''), written };
  };
}
