/** Child process of `runSmokeCheck`: loads the binding given as argv[2], checks it, prints one JSON line. */
import { nativeSmokeCheck } from './smoke';

nativeSmokeCheck(process.argv[2]).then(
  (ok) => console.log(JSON.stringify({ ok })),
  (err: unknown) => {
    console.log(JSON.stringify({ error: err instanceof Error ? err.message.split('\n')[0] : String(err) }));
    process.exitCode = 1;
  },
);
