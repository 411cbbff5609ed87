// Tests see the world in UTC, as the server does; clinic time only at the edges.
process.env.TZ = 'UTC';
