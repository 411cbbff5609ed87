import fc from 'fast-check';

// Tests see the world in UTC, as the server does; clinic time only at the edges.
process.env.TZ = 'UTC';

// Property tests: a fixed seed under CI, so that a run is reproducible and a change lands or
// not on its own merits; a fresh seed elsewhere, so that local runs keep exploring. A failure
// prints its seed; FC_SEED=<seed> npm test replays it.
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI ? 20261125 : undefined;
if (seed !== undefined) fc.configureGlobal({ seed });
