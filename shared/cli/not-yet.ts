// Reserved npm script names whose implementation lands with a later issue.
const name = process.argv[2] ?? 'this command';
console.error(`leadclock: '${name}' is not implemented yet; see the open issues.`);
process.exit(2);
