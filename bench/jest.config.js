/** The benchmark's own specs (its load generator and report): npm run bench:test, run by CI. */
const product = require('../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/bench/**/*.spec.ts'],
  transform: product.transform,
  transformIgnorePatterns: product.transformIgnorePatterns,
  testTimeout: 60_000,
};
