// The console's login form: the token goes to /api/login as JSON (the console takes nothing
// else), which answers with a session cookie; then the console itself opens.
const form = document.querySelector('form.login');
const error = document.querySelector('.login .error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = new FormData(form).get('token');
  const res = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (res.ok) {
    location.replace('/');
    return;
  }
  error.textContent = (await res.json().catch(() => ({}))).error ?? `HTTP ${res.status}`;
  error.hidden = false;
});
