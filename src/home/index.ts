/**
 * The Ferry home folder (`FERRY_HOME`, default `~/.ferry`): `openHome` gives
 * its migrated SQLite database and the `SecretBox` that seals secrets stored
 * in it. Add schema changes by appending to `MIGRATIONS`.
 */
export { openHome, DB_FILE, type FerryHome } from './open-home.js';
export { MIGRATIONS } from './migrations.js';
export { runMigrations, userVersion } from './run-migrations.js';
export { SecretBox, KEY_FILE, SECRET_KEY_ENV, parseKeyText } from './secret-box.js';
