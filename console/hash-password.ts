/** `npm run console:hash -- <password>`: prints the scrypt hash to put in the operators file. */
import { hashPassword } from './operators.js';

const password = process.argv[2];
if (!password || password.length < 12) {
  console.error('usage: npm run console:hash -- <password of at least 12 characters>');
  process.exit(2);
}
console.log(await hashPassword(password));
