// Service worker of the scamcheck sample extension. It holds the hash
// prefixes of every listed indicator (synced from the configured server
// every few minutes), checks each top-level navigation locally with the JS
// SDK, and only on a prefix hit asks the server about that 4-byte prefix
// (docs/privacy-lookups.md). A dangerous or suspicious answer sends the tab
// to warning.html before the page can be used.
//
// The SDK's ES modules are bundled in by build.mjs: an extension may load
// only files inside its own directory.

import { createClient, createLocalChecker } from '../../js/src/client.js';
import { InputError } from '../../js/src/errors.js';

/**
 * The server used until the options page sets one: build.mjs --server,
 * replaced at build time.
 */
// eslint-disable-next-line no-undef
const defaultServer = SCAMCHECK_DEFAULT_SERVER;

/** How often the prefix sets are synced. Servers rebuild theirs every 5 minutes. */
const syncMinutes = 5;

/** Storage keys: the server URL (options page), the synced sets, the last sync. */
const keys = { server: 'serverURL', state: 'prefixState', synced: 'lastSync' };

/** The checker and the server it talks to, made on first use. */
let current = null;

async function serverURL() {
  const got = await chrome.storage.local.get(keys.server);
  return got[keys.server] || defaultServer;
}

/**
 * Returns the checker of the configured server. A service worker is
 * stopped when idle, so the sets are saved in storage after each sync and
 * loaded here: waking up costs a delta, not a full list.
 */
function checker() {
  current ??= (async () => {
    const url = await serverURL();
    const local = createLocalChecker(createClient({ baseURL: url, timeoutMs: 10_000, retries: 2 }));
    const got = await chrome.storage.local.get(keys.state);
    if (got[keys.state]?.server === url) local.importState(got[keys.state].sets);
    return { url, local };
  })();
  current.catch(() => { current = null; });
  return current;
}

async function sync() {
  const { url, local } = await checker();
  await local.sync();
  await chrome.storage.local.set({
    [keys.state]: { server: url, sets: local.exportState() },
    [keys.synced]: { at: Date.now(), server: url, error: '' },
  });
}

async function syncLogged() {
  try {
    await sync();
  } catch (err) {
    console.warn('scamcheck: sync failed:', err?.message ?? err);
    await chrome.storage.local.set({ [keys.synced]: { at: Date.now(), error: String(err?.message ?? err) } });
  }
}

/** URLs the user chose to open despite the warning, per tab (until the tab navigates elsewhere). */
const allowKey = (tabId) => `allow:${tabId}`;

async function allowed(tabId, url) {
  const got = await chrome.storage.session.get(allowKey(tabId));
  return got[allowKey(tabId)] === url;
}

/** Checks a top-level navigation and redirects the tab to the warning page on a match. */
async function onNavigate(details) {
  if (details.frameId !== 0 || !/^https?:/.test(details.url)) return;
  if (await allowed(details.tabId, details.url)) return;
  let r;
  try {
    const { local } = await checker();
    r = await local.check(details.url);
  } catch (err) {
    if (!(err instanceof InputError)) console.warn('scamcheck: check failed:', err?.message ?? err);
    return;
  }
  if (r.verdict !== 'dangerous' && r.verdict !== 'suspicious') return;
  const q = new URLSearchParams({ url: details.url, verdict: r.verdict });
  if (r.category) q.set('category', r.category);
  if (r.reports) q.set('reports', String(r.reports));
  if (r.degraded) q.set('degraded', '1');
  await chrome.tabs.update(details.tabId, { url: chrome.runtime.getURL(`warning.html?${q}`) });
}

// Listeners are registered at the top level, as a service worker must, so
// that an event wakes it up.
chrome.webNavigation.onBeforeNavigate.addListener((d) => { onNavigate(d); });
/** The last top-level URLs each tab committed, newest last, for "go back". */
const histKey = (tabId) => `hist:${tabId}`;

async function committed(tabId) {
  return (await chrome.storage.session.get(histKey(tabId)))[histKey(tabId)] ?? [];
}

/**
 * How many history steps "go back" from the warning page takes: two when
 * the listed page committed before the warning replaced it (the check may
 * wait for the server meanwhile), or one step would land on it again.
 */
async function backSteps(tabId, url) {
  const h = await committed(tabId);
  return h.length >= 2 && h[h.length - 2] === url ? 2 : 1;
}

chrome.webNavigation.onCommitted.addListener(async (d) => {
  if (d.frameId !== 0) return;
  const h = [...(await committed(d.tabId)), d.url].slice(-3);
  await chrome.storage.session.set({ [histKey(d.tabId)]: h });
  // A committed navigation to another URL ends the "open anyway" permission.
  if (d.frameId === 0 && /^https?:/.test(d.url) && !(await allowed(d.tabId, d.url))) {
    await chrome.storage.session.remove(allowKey(d.tabId));
  }
});

chrome.tabs.onRemoved.addListener((tabId) => {
  chrome.storage.session.remove([allowKey(tabId), histKey(tabId)]);
});

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  // Only the extension's own pages may send messages here (no
  // externally_connectable), and only the warning page asks this.
  if (msg?.type === 'continue' && sender.tab?.id !== undefined && /^https?:/.test(msg.url)) {
    chrome.storage.session.set({ [allowKey(sender.tab.id)]: msg.url }).then(() => reply({ ok: true }));
    return true;
  }
  if (msg?.type === 'back' && sender.tab?.id !== undefined) {
    backSteps(sender.tab.id, msg.url).then((steps) => reply({ steps }));
    return true;
  }
  if (msg?.type === 'sync') {
    syncLogged().then(() => reply({ ok: true }));
    return true;
  }
  return false;
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && changes[keys.server]) {
    current = null;
    syncLogged();
  }
});

chrome.alarms.onAlarm.addListener((a) => { if (a.name === 'sync') syncLogged(); });
chrome.runtime.onInstalled.addListener(() => {
  chrome.alarms.create('sync', { periodInMinutes: syncMinutes });
  syncLogged();
});
chrome.runtime.onStartup.addListener(() => { syncLogged(); });
