// The command line of the demo tools of `make run` (demo_org.mjs,
// demo_sales.mjs): `--name value` options, and the store and the regio
// binary every one of them works on.
const args = process.argv.slice(2);

/** The value of `--name`, or dflt. */
export function opt(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
/** The store (--db, else $REGIO_DB, else regio-sample.db). */
export const db = opt('db', process.env.REGIO_DB || 'regio-sample.db');
/** The regio binary (--regio, else build/regio). */
export const bin = opt('regio', 'build/regio');
