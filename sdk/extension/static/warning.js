// The full-page warning, in Vietnamese and English at once (whoever is at
// the keyboard may read either), whatever the browser's language. Strings
// come from both _locales files.

const q = new URLSearchParams(location.search);
const target = q.get('url') ?? '';
const verdict = q.get('verdict') === 'dangerous' ? 'dangerous' : 'suspicious';

async function messages(locale) {
  const res = await fetch(chrome.runtime.getURL(`_locales/${locale}/messages.json`));
  const m = await res.json();
  return (k) => m[k]?.message ?? '';
}

function section(el, t) {
  const h = document.createElement('h1');
  h.textContent = t('warningTitle');
  const p = document.createElement('p');
  p.textContent = t(verdict === 'dangerous' ? 'warningDangerous' : 'warningSuspicious');
  el.append(h, p);
  if (q.get('degraded')) {
    const d = document.createElement('p');
    d.textContent = t('warningDegraded');
    el.append(d);
  }
}

const [vi, en] = await Promise.all([messages('vi'), messages('en')]);
document.body.classList.add(verdict);
section(document.getElementById('vi'), vi);
section(document.getElementById('en'), en);
// textContent, never markup: the URL is attacker-chosen.
document.getElementById('url').textContent = target;
const facts = [];
if (q.get('category')) facts.push(`${vi('warningCategory')} / ${en('warningCategory')} ${q.get('category')}`);
if (q.get('reports')) facts.push(`${vi('warningReports')} / ${en('warningReports')} ${q.get('reports')}`);
document.getElementById('facts').textContent = facts.join(' · ');

const back = document.getElementById('back');
back.textContent = `${vi('goBack')} / ${en('goBack')}`;
back.addEventListener('click', async () => {
  // One step back is the page the user came from, two if the listed page
  // committed before the warning replaced it (the service worker knows);
  // a new tab has nowhere to go back to.
  const { steps } = await chrome.runtime.sendMessage({ type: 'back', url: target });
  if (history.length > steps) history.go(-steps);
  else location.replace('about:blank');
});
back.focus();

const cont = document.getElementById('continue');
cont.textContent = `${vi('continueAnyway')} / ${en('continueAnyway')}`;
cont.addEventListener('click', async (ev) => {
  ev.preventDefault();
  if (!/^https?:/.test(target)) return;
  await chrome.runtime.sendMessage({ type: 'continue', url: target });
  location.replace(target);
});
