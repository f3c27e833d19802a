// Service worker of the citizens' app (scope /lapor/). Bump VERSION whenever a shell file changes.
'use strict';
const VERSION = 'lapor-v3';
const SHELL = 'shell-' + VERSION;
const DATA = 'lapor-data';
// '/lapor/' holds the styles and the script inline (see public.rs), so app.js and app.css are
// not needed offline; they stay reachable for browsers that load them on their own.
const CORE = ['/lapor/', '/lapor/pow.js', '/lapor/manifest.webmanifest', '/lapor/icon.svg'];
const OPTIONAL = ['/lapor/index.html'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(SHELL).then((c) =>
    c.addAll(CORE.map((u) => new Request(u, { cache: 'reload' })))
      // index.html may not be routed on its own: the shell works without it.
      .then(() => Promise.all(OPTIONAL.map((u) => c.add(new Request(u, { cache: 'reload' })).catch(() => null))))
  ).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== DATA).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function timeout(ms) { return new Promise((res) => setTimeout(res, ms, null)); }

// Network first (with a short wait on a bad connection), falling back to the cached shell.
async function page(req) {
  const c = await caches.open(SHELL);
  // Only the start page itself becomes the offline shell (not, say, an opened icon or script).
  const p = new URL(req.url).pathname;
  const isShell = p === '/lapor/' || p === '/lapor' || p === '/lapor/index.html';
  const net = fetch(req).then((r) => {
    if (r.ok && isShell && (r.headers.get('content-type') || '').startsWith('text/html')) c.put('/lapor/', r.clone());
    return r;
  });
  const quick = await Promise.race([net.catch(() => null), timeout(5000)]);
  const cached = (await c.match('/lapor/')) || (await c.match('/lapor/index.html'));
  if (quick && (quick.status < 500 || !cached)) return quick;
  return cached || net;
}

async function shell(req) {
  const hit = await caches.match(req, { ignoreSearch: true });
  if (hit) return hit;
  const r = await fetch(req);
  if (r.ok) (await caches.open(SHELL)).put(req, r.clone());
  return r;
}

// Stale-while-revalidate; a request made with cache 'no-store'/'reload' wants fresh data first.
async function data(e) {
  const req = e.request;
  const c = await caches.open(DATA);
  const key = new URL(req.url).pathname;
  const net = fetch(req).then((r) => {
    if (r.ok) c.put(key, r.clone());
    return r;
  });
  if (req.cache === 'no-store' || req.cache === 'reload') {
    return net.catch(async (err) => (await c.match(key)) || Promise.reject(err));
  }
  const hit = await c.match(key);
  if (hit) {
    e.waitUntil(net.catch(() => null));
    return hit;
  }
  return net;
}

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const p = url.pathname;
  if (req.mode === 'navigate') {
    if (p === '/lapor' || p.startsWith('/lapor/')) e.respondWith(page(req));
    return;
  }
  if (p === '/api/v1/public/regions' || p === '/api/v1/public/config') {
    e.respondWith(data(e));
    return;
  }
  if (CORE.indexOf(p) >= 0 || OPTIONAL.indexOf(p) >= 0) e.respondWith(shell(req));
  // Everything else (POSTs, status look-ups, challenges): network only.
});
