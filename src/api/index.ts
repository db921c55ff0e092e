/**
 * `ferry serve`'s REST API and web console (`createApp`), its token
 * authentication (`setupToken`) and the HTTP server (`startServer`).
 */
export { createApp, type AppDeps } from './app.js';
export { setupToken, hashToken, verifyToken, generateToken, TOKEN_ENV, SESSION_COOKIE, type TokenSetup } from './auth.js';
export { startServer, parseListen, isLoopback, DEFAULT_LISTEN, type ListenAddress, type RunningServer } from './server.js';
export { openApiDocument } from './routes/openapi.js';
