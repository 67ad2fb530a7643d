// Options: the server URL, stored in chrome.storage.local; the service
// worker sees the change and syncs from the new server.

const t = (k) => chrome.i18n.getMessage(k);
document.documentElement.lang = chrome.i18n.getUILanguage().startsWith('vi') ? 'vi' : 'en';
for (const el of document.querySelectorAll('[data-msg]')) el.textContent = t(el.dataset.msg);

const input = document.getElementById('server');
const note = document.getElementById('note');
const status = document.getElementById('status');

async function show() {
  const got = await chrome.storage.local.get(['serverURL', 'lastSync']);
  if (got.serverURL && document.activeElement !== input) input.value = got.serverURL;
  const s = got.lastSync;
  status.textContent = s ? `${new Date(s.at).toLocaleString()}${s.error ? ` — ${s.error}` : ''}` : t('optionsNever');
}

document.getElementById('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  let url;
  try {
    url = new URL(input.value.trim());
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    note.textContent = t('optionsBadURL');
    return;
  }
  await chrome.storage.local.set({ serverURL: url.origin + url.pathname.replace(/\/+$/, '') });
  note.textContent = t('optionsSaved');
});

chrome.storage.onChanged.addListener(show);
show();
