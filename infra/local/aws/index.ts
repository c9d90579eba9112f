/** Wire-compatible AWS emulators for the local runtime and integration tests. */
export * from './scheduler.ts';
export * from './sns.ts';
export * from './sqs.ts';
