// @ts-check
// The page's entry point (bundled as app.js): boots the map editor, and
// records a failure where the tests look for it.

import { boot } from './app.js';
import { hooks } from './hooks.js';

hooks.booted = boot().catch((e) => {
  console.error(e);
  hooks.bootError = e.message;
});
