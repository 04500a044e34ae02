// The CTest fixtures sample_store and sample_org_store (tests/api/CMakeLists.txt):
// the sample market of buildSampleStore built once, and once more with the
// demo organisation (tools/demo_org.mjs), for the tests that start from
// them (the browser tests, api.model_paths). They copy the file (harness
// buildSampleStore with REGIO_SAMPLE_STORE / REGIO_SAMPLE_ORG_STORE) instead
// of importing the counties and designing 25 territories each (about 10 s
// of CPU apiece) and adding the organisation's 31 users (about 19 s).
//   node tests/api/sample_fixture.mjs sample FILE      the sample market
//   node tests/api/sample_fixture.mjs org FROM FILE    FROM's copy with the organisation
//   node tests/api/sample_fixture.mjs remove FILE...   removes them
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSampleStore, BIN, SRC } from './harness.mjs';

const [cmd, ...files] = process.argv.slice(2);
const exts = ['', '-wal', '-shm'];
const remove = f => { for (const ext of exts) rmSync(f + ext, { force: true }); };
// Built under another name and renamed when whole, so that a test never
// copies half a store, nor an older one.
function make(file, build) {
  remove(file);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.building`;
  remove(tmp);
  build(tmp);
  for (const ext of ['-wal', '-shm']) if (existsSync(tmp + ext)) renameSync(tmp + ext, file + ext);
  renameSync(tmp, file);
  console.log(`${cmd}: ${file}`);
}

delete process.env.REGIO_SAMPLE_STORE;
delete process.env.REGIO_SAMPLE_ORG_STORE;
if (cmd === 'sample' && files.length === 1) {
  make(files[0], tmp => buildSampleStore(tmp));
} else if (cmd === 'org' && files.length === 2) {
  const [from, file] = files;
  make(file, tmp => {
    for (const ext of exts) if (existsSync(from + ext)) copyFileSync(from + ext, tmp + ext);
    process.stdout.write(execFileSync(process.execPath, [join(SRC, 'tools/demo_org.mjs'), '--db', tmp, '--regio', BIN],
      { cwd: SRC, encoding: 'utf8' }));
  });
} else if (cmd === 'remove') {
  files.forEach(remove);
} else {
  console.error('usage: sample_fixture.mjs sample FILE | org FROM FILE | remove FILE...');
  process.exit(2);
}
