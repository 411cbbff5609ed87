import { setFlagsFromString } from 'node:v8';

/**
 * V8's allocation-site pretenuring, off; imported first by main.ts, before any request code runs.
 *
 * V8 watches each object-literal site, and when nearly everything it made survived a young
 * collection it allocates that site's objects straight into the old generation from then on.
 * Start-up and a full-speed rush (requests still in flight at every collection) teach it exactly
 * that for sites on the request path, whose objects then die young in the old generation: at
 * 700 listings/s it grew by about 9 MB/s, and the full collection that clears it came every few
 * seconds with 50 to 250 ms of slow answers around it. Without it, 0.7 MB/s and no such pauses
 * (p99 of the listing at that rate 7 ms instead of 10 to 47 ms; bench/results has the full run).
 * The app keeps no long-lived data in the heap whose copying this would save.
 */
setFlagsFromString('--no-allocation-site-pretenuring');
